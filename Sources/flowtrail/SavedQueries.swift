import Foundation

/// Saved queries: `queries/NAME.cel`, comments (`//` or `#`) and one expression.
enum SavedQueries {
    /// Where saved queries are looked for, in order.
    static var searchPath: [String] {
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["FLOWTRAIL_QUERIES"] { dirs.append(env) }
        dirs.append(FileManager.default.currentDirectoryPath + "/queries")
        // Next to the checkout the binary was built in (.build/<config>/flowtrail).
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        dirs.append(exe.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("queries").path)
        return dirs
    }

    /// The expression of a saved query, or nil when there is none by that name.
    static func load(_ name: String) -> String? {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
        for dir in searchPath {
            if let text = try? String(contentsOfFile: "\(dir)/\(name).cel", encoding: .utf8) {
                return expression(of: text)
            }
        }
        return nil
    }

    /// The expression in a .cel file: every line that is not a comment.
    static func expression(of text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("//") && !$0.hasPrefix("#") }
            .joined(separator: " ")
    }
}
