@testable import FlowClickHouse
import FlowGen
@testable import FlowHubble
import FlowIngest
import FlowModel
import FlowQuery
import FlowTestSupport
import Foundation
import XCTest

/// The differential test against ClickHouse: random well-typed expressions (the generator the
/// SQLite differential test uses) must select on a real ClickHouse 18.16 exactly the flows the
/// interpreter, the reference, selects; whether the SQL held the whole expression or the
/// interpreter finished the job.
final class ClickHouseDifferentialTests: XCTestCase {
    func testClickHouseAndInterpreterSelectTheSameFlows() throws {
        let s = try Scratch()
        let server = try ClickHouseServer(scratch: s)
        defer { server.stop() }
        var options = GeneratorOptions()
        options.seed = 5
        var g = FlowGenerator(options)
        let fixture = try String(contentsOfFile: Paths.fixture, encoding: .utf8).split(separator: "\n").map(String.init)
        let input = (0..<2000).map { _ in g.nextLine() } + fixture
        let file = s.path("in.jsonl")
        try writeLines(input, to: file)
        let store = try ClickHouseStore(try StoreURL(server.url("diff"), environment: [:]), create: true)
        defer { store.close() }
        let summary = try Ingester(sink: ClickHouseWriter(store: store), positions: store, options: IngestOptions()).run(sources: [file])
        XCTAssertTrue(summary.failedSources.isEmpty, "\(summary.failedSources)")

        var stored: [(line: String, flow: JSONValue)] = []
        try ClickHouseQueries(store: store, filters: []).lines(window: .all) { bytes in
            let line = String(decoding: bytes, as: UTF8.self)
            stored.append((line, try JSONValue.parse(line)["flow"]!))
        }
        XCTAssertEqual(Int64(stored.count), summary.counts.flows)
        let generator = ExpressionGenerator()
        generator.collect(stored.map(\.flow))
        var r = ExpressionGenerator.Rng(state: 20261205)
        var exact = 0, nontrivial = 0, compared = 0
        for n in 0..<260 {
            let e = generator.expression(&r, depth: 0)
            guard let filters = try? QueryEngine.check([e]) else { continue }
            let queries = ClickHouseQueries(store: store, filters: filters)
            var answer: [String] = []
            do {
                try queries.lines(window: .all) { answer.append(String(decoding: $0, as: UTF8.self)) }
            } catch {
                XCTFail("expression \(n) did not run on ClickHouse: \(e)\n  SQL: \(queries.condition.sql)\n  \(error)")
                continue
            }
            let reference = stored.filter { f in filters.contains { Interpreter.matches($0, flow: f.flow) } }.map(\.line)
            if answer.sorted() != reference.sorted() {
                XCTFail("expression \(n) differs: \(e)\n  ClickHouse \(answer.count) flows (exact SQL: \(queries.condition.exact)), interpreter \(reference.count)\n  SQL: \(queries.condition.sql)")
            }
            if queries.condition.exact {
                exact += 1
                // The count runs in ClickHouse alone: it must agree too.
                XCTAssertEqual(try queries.count(), Int64(reference.count), e)
            }
            if !reference.isEmpty && reference.count < stored.count { nontrivial += 1 }
            compared += 1
        }
        XCTAssertGreaterThan(compared, 220)
        print("ClickHouse differential: \(compared) expressions, \(exact) compiled whole, \(nontrivial) nontrivial")
        XCTAssertGreaterThan(nontrivial, 90, "nontrivial selections: \(nontrivial) of \(compared)")
        // Most generated expressions touch a field kept only in JSON somewhere; still, a good share
        // must compile whole, or the test would not be testing the compiler.
        XCTAssertGreaterThan(exact, 40, "expressions compiled whole: \(exact) of \(compared)")

        // Retention drops whole days: a cutoff after the last day leaves nothing, and says how much went.
        let days = try XCTUnwrap(try store.dayRange())
        let dropped = try ClickHouseWriter(store: store).dropPartitions(before: (days.last + 1) * 86_400_000_000_000)
        XCTAssertGreaterThan(dropped.partitions, 0)
        XCTAssertGreaterThanOrEqual(dropped.flows, Int64(stored.count))
        XCTAssertEqual(try ClickHouseQueries(store: store, filters: []).count(), 0)
    }

    /// User text only ever becomes one literal: hostile values select nothing and break nothing.
    func testHostileValuesStayLiterals() throws {
        for text in ["x') OR 1=1 --", "\\' OR 1=1 --", "a\\", "'; DROP TABLE flows; --", "é\n\u{7}"] {
            let filter = try Checker.check("source.namespace == \(CELText.string(text)) || source.labels.exists(l, l.startsWith(\(CELText.string(text))))")
            let c = ClickHouseCompiler.compile([filter])
            XCTAssertTrue(c.exact)
            XCTAssertTrue(c.sql.contains(ClickHouseText.literal(text)), c.sql)
        }
    }
}
