import Foundation
import FlowGen
import FlowModel
import FlowStore

/// A temporary directory removed after the test.
public final class Scratch {
    public let url: URL
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("flowtrail-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

public enum Paths {
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `flowtrail` executable that `swift test` built next to the tests.
    public static var flowtrail: String {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("flowtrail").path,
            Bundle.main.bundleURL.appendingPathComponent("flowtrail").path,
            packageRoot.appendingPathComponent(".build/debug/flowtrail").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }

    public static var fixture: String { packageRoot.appendingPathComponent("Tests/Fixtures/hubble-samples.jsonl").path }
}

/// Generated canonical lines, deterministic for a seed.
public func generatedLines(_ count: Int, seed: UInt64 = 7, start: Int64 = 1_767_225_600_000_000_000) -> [String] {
    var options = GeneratorOptions()
    options.seed = seed
    options.start = start
    var g = FlowGenerator(options)
    return (0..<count).map { _ in g.nextLine() }
}

/// Runs a program found on PATH (another SQLite client, a Python check); its exit status and
/// standard output, standard error discarded.
public func runCommand(_ args: [String]) throws -> (status: Int32, out: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Writes `lines` to `path`, each ended by a newline, as Hubble's flow-log exporter does.
public func writeLines<S: Sequence>(_ lines: S, to path: String) throws where S.Element == String {
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
}

/// Runs the flowtrail binary to completion.
@discardableResult
public func runFlowtrail(_ args: [String], stdin: Data? = nil, env: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
    let r = try runFlowtrailData(args, stdin: stdin, env: env)
    return (r.status, String(decoding: r.out, as: UTF8.self), r.err)
}

/// Runs the flowtrail binary to completion; standard output as bytes (exports are large).
public func runFlowtrailData(_ args: [String], stdin: Data? = nil, env: [String: String] = [:]) throws -> (status: Int32, out: Data, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Paths.flowtrail)
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    let outPipe = Pipe(), errPipe = Pipe()
    p.standardOutput = outPipe
    p.standardError = errPipe
    let inPipe = Pipe()
    p.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
    try p.run()
    if let stdin {
        DispatchQueue.global().async {
            inPipe.fileHandleForWriting.write(stdin)
            try? inPipe.fileHandleForWriting.close()
        }
    }
    // Read both pipes concurrently so a full pipe never blocks the child.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errBox.data = errPipe.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    p.waitUntilExit()
    return (p.terminationStatus, outData, String(decoding: errData, as: UTF8.self))
}

public func jsonObject(_ text: Substring) throws -> NSDictionary {
    try JSONSerialization.jsonObject(with: Data(text.utf8)) as! NSDictionary
}

public func jsonObject(_ bytes: Data) throws -> NSDictionary {
    try JSONSerialization.jsonObject(with: bytes) as! NSDictionary
}

/// The lines of a byte buffer (splitting a String of hundreds of MB by Character is far too slow).
public func dataLines(_ data: Data) -> [Data] {
    data.split(separator: UInt8(ascii: "\n")).map { Data($0) }
}

/// The flow object of an input line (wrapped or bare).
public func flowObject(_ line: String) throws -> NSDictionary {
    let o = try jsonObject(Substring(line))
    return (o["flow"] as? NSDictionary) ?? o
}

/// The `uuid` of a flow line, found by its bytes (parsing 200,000 lines as JSON in a debug
/// test build takes minutes).
public func uuid(of line: Data) -> String? {
    let key = Data(#""uuid":""#.utf8)
    guard let r = line.range(of: key) else { return nil }
    let start = r.upperBound
    guard let end = line[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
    return String(decoding: line[start..<end], as: UTF8.self)
}

/// A failed expectation in a support function (the test fails with it as a thrown error).
public struct SupportFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Exported lines keyed by flow uuid, failing on duplicates.
public func exportedByUUID(db: String) throws -> [String: Data] {
    let r = try runFlowtrailData(["export", "--db", db])
    guard r.status == 0 else { throw SupportFailure("export failed: \(r.err)") }
    var out: [String: Data] = [:]
    for line in dataLines(r.out) {
        guard let id = uuid(of: line) else { throw SupportFailure("exported flow without uuid") }
        guard out[id] == nil else { throw SupportFailure("flow \(id) stored twice") }
        out[id] = line
    }
    return out
}

public func statsJSON(db: String) throws -> NSDictionary {
    let r = try runFlowtrail(["stats", "--db", db, "--json"])
    guard r.status == 0 else { throw SupportFailure("stats failed: \(r.err)") }
    return try jsonObject(Substring(r.out))
}

/// A tmpfs of a given size mounted in a scratch folder (root only), unmounted when released:
/// a small disk to fill, or a filesystem to remount read-only.
public final class TmpfsMount {
    public let path: String

    /// Mounts a tmpfs of `size` (`3M`, `64m`) at `path`; throws `XCTSkip`-worthy `SupportFailure`
    /// when that is not allowed here.
    public init(at path: String, size: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.run(["/bin/mount", "-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path]) == 0 else {
            throw SupportFailure("cannot mount a tmpfs here (needs root)")
        }
    }

    /// Makes the filesystem read-only.
    public func remountReadOnly() -> Bool { Self.run(["/bin/mount", "-o", "remount,ro", path]) == 0 }

    deinit { _ = Self.run(["/bin/umount", path]) }

    static func run(_ args: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: args[0])
        p.arguments = Array(args.dropFirst())
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}
