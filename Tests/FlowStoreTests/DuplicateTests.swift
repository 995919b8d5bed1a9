import FlowGen
import FlowModel
import FlowStore
import XCTest

/// The writer stores each flow once across batches, checkpoints, pipelining and reopening,
/// with out-of-order arrivals (issue 9); rollups never count a duplicate.
final class DuplicateTests: XCTestCase {
    func testEachFlowOnceAcrossCheckpointsAndReopens() throws {
        let dir = try TempDir()
        let path = dir.path("d.db")
        var options = GeneratorOptions()
        options.seed = 61
        var g = FlowGenerator(options)
        let unique = (0..<5_000).map { _ in g.nextLine() }
        // Every flow twice and some three times, shuffled within windows of 500 (flows from
        // several nodes arrive a little out of order; retries arrive later).
        var rng = Xoshiro256StarStar(seed: 7)
        var stream = unique + unique + unique.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        for start in stride(from: 0, to: stream.count, by: 500) {
            let end = min(stream.count, start + 500)
            for i in stride(from: end - 1, to: start, by: -1) { stream.swapAt(i, start + rng.below(i - start + 1)) }
        }
        for pipelined in [false, true] {
            let p = path + (pipelined ? "-p" : "")
            var stored = 0
            for round in 0..<2 {
                let store = try FlowStore(path: p)
                let writer = FlowWriter(store: store)
                writer.pipelined = pipelined
                writer.duplicateCheckpointSize = 300  // many checkpoints
                let decoder = FlowDecoder()
                for (k, line) in stream.enumerated() {
                    var bytes = Array(line.utf8)
                    XCTAssertEqual(try bytes.withUnsafeMutableBufferPointer { try decoder.decode(UnsafeBufferPointer($0)) }, .flow)
                    if try writer.add(decoder.flow) { stored += 1 }
                    if k % 250 == 249 { try writer.commit() }
                }
                try writer.flush()
                XCTAssertEqual(stored, 5_000, "pipelined \(pipelined), round \(round)")
            }
            let store = try FlowStore(path: p, readOnly: true)
            var rows: Int64 = 0
            for day in store.days { rows += try store.db.scalar("SELECT count(*) FROM \"\(FlowStore.flowTable(day))\"") ?? 0 }
            XCTAssertEqual(rows, 5_000)
            var rolled: Int64 = 0
            for day in store.days { rolled += try store.db.scalar("SELECT sum(flows) FROM \"v_\(FlowTime.dayStamp(day))\"") ?? 0 }
            XCTAssertEqual(rolled, 5_000, "rollups count each flow once")
            XCTAssertEqual(try store.counter("duplicates"), Int64(stream.count * 2 - 5_000))
        }
    }
}
