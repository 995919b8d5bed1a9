import Foundation

/// Saved queries: `queries/NAME.cel` (comment lines `//` or `#`, then one expression), built
/// into the binary; a folder in `$FLOWTRAIL_QUERIES` or `./queries` can add or override names.
public enum SavedQueries {
    /// Folders searched before the built-in queries.
    public static var searchPath: [String] {
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["FLOWTRAIL_QUERIES"] { dirs.append(env) }
        dirs.append(FileManager.default.currentDirectoryPath + "/queries")
        return dirs
    }

    /// Built-in saved queries by name, with their file text.
    public static var builtIn: [(name: String, text: String)] { EmbeddedQueries.all }

    /// The expression of a saved query, or nil when there is none by that name.
    public static func load(_ name: String) -> String? {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
        for dir in searchPath {
            if let text = try? String(contentsOfFile: "\(dir)/\(name).cel", encoding: .utf8) { return expression(of: text) }
        }
        return builtIn.first { $0.name == name }.map { expression(of: $0.text) }
    }

    /// Every saved query by name (files in the search path override built-in ones), sorted,
    /// with its file text.
    public static func all() -> [(name: String, text: String)] {
        var byName: [String: String] = [:]
        for q in builtIn { byName[q.name] = q.text }
        for dir in searchPath.reversed() {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where file.hasSuffix(".cel") {
                if let text = try? String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8) { byName[String(file.dropLast(4))] = text }
            }
        }
        return byName.keys.sorted().map { ($0, byName[$0]!) }
    }

    /// The comment lines of a .cel file, joined: what the query finds and why.
    public static func description(of text: String) -> String {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.hasPrefix("//") || $0.hasPrefix("#") }
            .map { $0.drop { $0 == "/" || $0 == "#" }.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
    }

    /// The expression in a .cel file: every line that is not a comment.
    public static func expression(of text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("//") && !$0.hasPrefix("#") }
            .joined(separator: " ")
    }
}
