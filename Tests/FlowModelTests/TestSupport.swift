import Foundation
import FlowModel
import XCTest

/// Helpers shared by the model tests.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// The real Hubble lines in Tests/Fixtures/hubble-samples.jsonl.
    static func hubbleSamples() throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent("Fixtures/hubble-samples.jsonl"), encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }
}

/// Parses JSON text into Foundation objects for value comparison.
func jsonValue(_ text: String) throws -> NSObject {
    try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) as! NSObject
}

extension FlowDecoder {
    /// Decodes a line given as a string.
    func decode(_ line: String) throws -> LineKind {
        var bytes = Array(line.utf8)
        return try bytes.withUnsafeMutableBufferPointer { try decode(UnsafeBufferPointer($0)) }
    }

    /// The exported form of the flow just decoded, as the store would give it back.
    func exportedLine() -> String {
        let out = ByteBuffer()
        FlowEncoder.writeLine(residual: flow.residual.bytes, time: flow.time, extracted: { c in
            self.flow.has(c) && c.dictionary != nil ? self.flow.sideBytes(c) : nil
        }, into: out)
        return out.toString()
    }
}
