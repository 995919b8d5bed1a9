import Foundation
import FlowGen
import FlowModel
import FlowQuery
import FlowStore
import XCTest

/// A store in a temporary directory holding generated flows and the real fixture flows.
final class QueryFixture {
    let dir: URL
    let store: FlowStore
    let engine: QueryEngine
    /// Every stored flow line and its parsed flow object.
    let flows: [(line: String, flow: JSONValue)]

    convenience init(generated: Int, seed: UInt64 = 99) throws {
        var options = GeneratorOptions()
        options.seed = seed
        var g = FlowGenerator(options)
        try self.init(lines: (0..<generated).map { _ in g.nextLine() } + Self.fixtureLines())
    }

    /// A store holding exactly these lines.
    init(lines: [String]) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("flowtrail-query-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try FlowStore(path: dir.appendingPathComponent("q.db").path)
        let writer = FlowWriter(store: store)
        let decoder = FlowDecoder()
        for line in lines {
            var bytes = Array(line.utf8)
            if try bytes.withUnsafeMutableBufferPointer({ try decoder.decode(UnsafeBufferPointer($0)) }) == .flow {
                try writer.add(decoder.flow)
            }
        }
        try writer.flush()
        engine = try QueryEngine(store: store)
        var all: [(String, JSONValue)] = []
        try FlowReader(store: store).forEachLine { bytes in
            let line = String(decoding: bytes, as: UTF8.self)
            all.append((line, try JSONValue.parse(line)["flow"]!))
        }
        flows = all
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    static func fixtureLines() throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("Fixtures/hubble-samples.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    /// Lines the SQL engine returns for the expressions (ORed).
    func sqlLines(_ expressions: [String]) throws -> [String] {
        let filters = try QueryEngine.check(expressions)
        var out: [String] = []
        try engine.lines(filters, window: .all) { out.append(String(decoding: $0, as: UTF8.self)) }
        return out
    }

    /// Lines the interpreter selects for the expressions (ORed).
    func interpretedLines(_ expressions: [String]) throws -> [String] {
        let filters = try QueryEngine.check(expressions)
        return flows.filter { f in filters.contains { Interpreter.matches($0, flow: f.flow) } }.map(\.line)
    }
}
