import Foundation
import FlowGen
import FlowModel
import FlowQuery
import FlowTestSupport
import XCTest

/// Random well-typed expressions over every kind of field: the SQL compiler must select
/// exactly the flows the interpreter (the proto-semantics reference) selects.
final class DifferentialTests: XCTestCase {
    let generator = ExpressionGenerator()

    func testSQLAndInterpreterSelectTheSameFlows() throws {
        let fixture = try QueryFixture(generated: 3000, seed: 5)
        generator.collect(fixture.flows.map(\.flow))
        var r = ExpressionGenerator.Rng(state: 20261126)
        var nontrivial = 0
        let total = fixture.flows.count
        var refused = 0
        for n in 0..<520 {
            let e = generator.expression(&r, depth: 0)
            // A checked expression must run: SQLite refusing it (prepare) is a failure. Only the
            // checker may refuse, and only for nesting past a stated limit.
            do { _ = try QueryEngine.check([e]) } catch let error as QueryError {
                XCTAssertTrue(error.message.contains("nest") || error.message.contains("longer than"),
                              "expression \(n) refused: \(e): \(error)")
                refused += 1
                continue
            }
            let sql: [String]
            do { sql = try fixture.sqlLines([e]) } catch {
                XCTFail("expression \(n) did not run: \(e): \(error)")
                continue
            }
            let reference = try fixture.interpretedLines([e])
            if sql.sorted() != reference.sorted() {
                XCTFail("expression \(n) differs: \(e)\n  SQL \(sql.count) flows, interpreter \(reference.count)")
            }
            if !sql.isEmpty && sql.count < total { nontrivial += 1 }
        }
        // The generator must exercise real selections, not only everything or nothing.
        XCTAssertGreaterThan(nontrivial, 200, "nontrivial selections: \(nontrivial) of 520")
        XCTAssertLessThan(refused, 52, "refused for nesting: \(refused) of 520")
    }

    /// The closed expressions answer as CEL does, through SQL and the interpreter, alone and
    /// combined with a flow condition.
    func testClosedExpressionsAnswerAsCEL() throws {
        let fixture = try QueryFixture(generated: 200, seed: 6)
        let total = fixture.flows.count
        for (e, value) in ExpressionGenerator.closed {
            XCTAssertEqual(try fixture.sqlLines([e]).count, value ? total : 0, e)
            XCTAssertEqual(try fixture.interpretedLines([e]).count, value ? total : 0, e)
            let combined = "(\(e)) && verdict == Verdict.FORWARDED"
            XCTAssertEqual(try fixture.sqlLines([combined]).sorted(), try fixture.interpretedLines([combined]).sorted(), combined)
        }
        // Enum fields in lists of names, numbers and constants, as == takes them.
        for (e, other) in [(#"verdict in ["DROPPED", "AUDIT"]"#, #"verdict == "DROPPED" || verdict == "AUDIT""#),
                           (#"traffic_direction in ["INGRESS"]"#, "traffic_direction == TrafficDirection.INGRESS"),
                           (#"Type in ["L7"]"#, "Type == 2"),
                           ("verdict in [2, Verdict.AUDIT]", #"verdict == "DROPPED" || verdict == "AUDIT""#)] {
            XCTAssertEqual(try fixture.sqlLines([e]).sorted(), try fixture.sqlLines([other]).sorted(), e)
            XCTAssertEqual(try fixture.sqlLines([e]).sorted(), try fixture.interpretedLines([e]).sorted(), e)
        }
    }
}
