import FlowTestSupport
import Foundation
import XCTest

/// What the store gives back for the inputs issue 9 lists: through the real binary, on files.
final class StoredFidelityTests: XCTestCase {
    func testTheIssuesLinesAreStoredAndAnsweredRight() throws {
        let s = try Scratch()
        let db = s.path("f.db"), file = s.path("in.jsonl")
        try writeLines([
            // 1: wrapper with a shipper's key
            #"{"flow":{"time":"2026-03-10T00:00:00Z","verdict":"DROPPED"},"node_name":"n1","time":"2026-03-10T00:00:00Z","date":1773100800.0}"#,
            // 3: an enum name from a newer Cilium
            #"{"flow":{"time":"2026-03-11T01:00:02Z","verdict":"DROPPED","drop_reason_desc":"DROP_NO_DEVICE"},"time":"2026-03-11T01:00:02Z"}"#,
            // 4: a uint64 above 2^63 - 1
            #"{"flow":{"time":"2026-03-11T01:00:03Z","verdict":"FORWARDED","socket_cookie":"18446744073709551557"},"time":"2026-03-11T01:00:03Z"}"#,
            // 5: time and node only on the wrapper
            #"{"flow":{"verdict":"DROPPED","source":{"pod_name":"a"}},"node_name":"n2","time":"2026-03-10T22:12:20Z"}"#,
        ], to: file)
        let r = try runFlowtrail(["ingest", "--db", db, file])
        XCTAssertTrue(r.out.contains("stored 4 flows, rejected 0 lines"), r.out + r.err)
        func count(_ e: String) throws -> String { try runFlowtrail(["query", "--db", db, "--count", "--", e]).out }
        XCTAssertEqual(try count("verdict == Verdict.DROPPED"), "3\n")
        XCTAssertEqual(try count(#"drop_reason_desc == "DROP_NO_DEVICE""#), "1\n")
        XCTAssertEqual(try count("socket_cookie > 9223372036854775807u"), "1\n")
        XCTAssertEqual(try count("socket_cookie == 9223372036854775807u"), "0\n")
        XCTAssertEqual(try count("socket_cookie == 18446744073709551557u"), "1\n")
        let csv = try runFlowtrail(["export", "--db", db, "--format", "csv", "--columns", "time,node_name,verdict,drop_reason_desc,socket_cookie"])
        XCTAssertEqual(csv.out, """
            time,node_name,verdict,drop_reason_desc,socket_cookie
            2026-03-10T00:00:00Z,n1,DROPPED,,0
            2026-03-10T22:12:20Z,n2,DROPPED,,0
            2026-03-11T01:00:02Z,,DROPPED,DROP_NO_DEVICE,0
            2026-03-11T01:00:03Z,,FORWARDED,,18446744073709551557

            """.replacingOccurrences(of: "\n", with: "\r\n"))
        let table = try runFlowtrail(["query", "--db", db, "-o", "table", "--print-node-name", "--time-format", "RFC3339", "--", "has(source.pod_name)"]).out
        XCTAssertTrue(table.contains("2026-03-10T22:12:20Z") && table.contains("n2"), table)
        // The name is given back unchanged.
        let exported = try runFlowtrail(["export", "--db", db, #"drop_reason_desc == "DROP_NO_DEVICE""#]).out
        XCTAssertTrue(exported.contains(#""drop_reason_desc":"DROP_NO_DEVICE""#), exported)
        // stats: the unknown value, with its field, count and when.
        let stats = try statsJSON(db: db)
        let unknown = try XCTUnwrap(stats["unknown_enum_values"] as? [NSDictionary])
        XCTAssertEqual(unknown.count, 1)
        XCTAssertEqual(unknown.first?["field"] as? String, "drop_reason_desc")
        XCTAssertEqual(unknown.first?["name"] as? String, "DROP_NO_DEVICE")
        XCTAssertEqual(unknown.first?["flows"] as? Int, 1)
        XCTAssertEqual(unknown.first?["first_time"] as? String, "2026-03-11T01:00:02Z")
        let text = try runFlowtrail(["stats", "--db", db]).out
        XCTAssertTrue(text.contains("drop_reason_desc = DROP_NO_DEVICE  1 flows"), text)
        // The summary names it and counts the reasonless drops.
        let summary = try jsonObject(Substring(runFlowtrail(["report", "summary", "--db", db, "--since", "2026-03-01T00:00:00Z"]).out))
        let reasons = try XCTUnwrap(summary["top_drop_reasons"] as? [NSDictionary])
        XCTAssertEqual(Set(reasons.map { "\($0["reason"]!)=\($0["flows"]!)" }), ["DROP_REASON_UNKNOWN=2", "DROP_NO_DEVICE=1"])
    }

    func testReportsAccountForEndpointsWithoutPods() throws {
        let s = try Scratch()
        let db = s.path("t.db"), file = s.path("in.jsonl")
        func flow(_ second: Int, _ source: String, _ sourceIP: String, _ destination: String) -> String {
            #"{"flow":{"time":"2026-03-10T00:00:\#(String(format: "%02d", second))Z","verdict":"DROPPED","IP":{"source":"\#(sourceIP)","destination":"10.0.0.9"},"source":\#(source),"destination":\#(destination)}}"#
        }
        let db9 = #"{"identity":9,"namespace":"shop","pod_name":"db-0","labels":["k8s:app=db"]}"#
        try writeLines([
            flow(1, #"{"identity":16777217,"labels":["cidr:192.0.2.1/32"]}"#, "192.0.2.1", db9),
            flow(2, #"{"identity":16777217,"labels":["cidr:192.0.2.1/32"]}"#, "192.0.2.1", db9),
            flow(3, #"{"identity":16777218,"labels":["cidr:198.51.100.7/32"]}"#, "198.51.100.7", db9),
            flow(4, #"{"ID":77}"#, "", db9),
            flow(5, #"{"identity":2,"labels":["reserved:world"]}"#, "203.0.113.5", db9),
        ], to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let summary = try jsonObject(Substring(runFlowtrail(["report", "summary", "--db", db, "--since", "2026-03-01T00:00:00Z"]).out))
        let talkers = try XCTUnwrap(summary["top_talkers"] as? [NSDictionary]).map { "\($0["source"]!)>\($0["destination"]!)=\($0["flows"]!)" }
        XCTAssertEqual(Set(talkers), ["192.0.2.1>shop/db-0=2", "198.51.100.7>shop/db-0=1", "unknown>shop/db-0=1", "world>shop/db-0=1"])
        let reasons = try XCTUnwrap(summary["top_drop_reasons"] as? [NSDictionary])
        XCTAssertEqual(reasons.first?["reason"] as? String, "DROP_REASON_UNKNOWN")
        XCTAssertEqual(reasons.first?["flows"] as? Int, 5)
        // With a filter the raw path gives the same talkers.
        let filtered = try jsonObject(Substring(runFlowtrail(["report", "summary", "--db", db, "--since", "2026-03-01T00:00:00Z", "true"]).out))
        XCTAssertEqual(Set(try XCTUnwrap(filtered["top_talkers"] as? [NSDictionary]).map { "\($0["source"]!)>\($0["destination"]!)=\($0["flows"]!)" }), Set(talkers))
    }

    func testLostEventsAreListedAndRangesWithHolesSaySo() throws {
        let s = try Scratch()
        let db = s.path("l.db"), file = s.path("in.jsonl")
        try writeLines([
            #"{"flow":{"time":"2026-03-10T00:00:00Z","uuid":"a","verdict":"DROPPED"}}"#,
            #"{"lost_events":{"source":"HUBBLE_RING_BUFFER","num_events_lost":"4095","cpu":{"value":1}},"node_name":"n1","time":"2026-03-10T00:05:00Z"}"#,
            #"{"lostEvents":{"source":1,"numEventsLost":7},"nodeName":"n2","time":"2026-03-10T00:06:00Z"}"#,
            #"{"flow":{"time":"2026-03-10T00:10:00Z","uuid":"b","verdict":"DROPPED"}}"#,
        ], to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let stats = try statsJSON(db: db)
        let lost = try XCTUnwrap(stats["lost_events"] as? NSDictionary)
        XCTAssertEqual(lost["records"] as? Int, 2)
        XCTAssertEqual(lost["events_lost"] as? Int, 4102)
        let recent = try XCTUnwrap(lost["recent"] as? [NSDictionary])
        XCTAssertEqual(recent.map { $0["node_name"] as? String }, ["n2", "n1"])
        XCTAssertEqual(recent.map { $0["source"] as? String }, ["PERF_EVENT_RING_BUFFER", "HUBBLE_RING_BUFFER"])
        XCTAssertEqual(recent.first?["time"] as? String, "2026-03-10T00:06:00Z")
        XCTAssertTrue(try runFlowtrail(["stats", "--db", db]).out.contains("lost events:      4102 events in 2 records"))
        // A query over the hole warns; one beside it does not.
        let over = try runFlowtrail(["query", "--db", db, "--count", "--since", "2026-03-10T00:00:00Z", "--until", "2026-03-10T00:08:00Z", "true"])
        XCTAssertEqual(over.out, "1\n")
        XCTAssertTrue(over.err.contains("2 lost_events records (4102 events lost)"), over.err)
        let beside = try runFlowtrail(["query", "--db", db, "--count", "--since", "2026-03-10T00:07:00Z", "true"])
        XCTAssertEqual(beside.err, "")
        let report = try runFlowtrail(["report", "summary", "--db", db, "--since", "2026-03-10T00:00:00Z", "--until", "2026-03-10T00:30:00Z"])
        let events = try XCTUnwrap(try jsonObject(Substring(report.out))["lost_events"] as? NSDictionary)
        XCTAssertEqual(events["records"] as? Int, 2)
        XCTAssertTrue(report.err.contains("lost_events"), report.err)
        // The same records delivered again are kept once, like flows.
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: file))).status, 0)
        XCTAssertEqual((try statsJSON(db: db)["lost_events"] as? NSDictionary)?["records"] as? Int, 2)
    }

    /// More days than SQLite takes terms in one compound SELECT: the views are built in parts.
    func testViewsCoverMoreThan500Days() throws {
        let s = try Scratch()
        let db = s.path("days.db"), file = s.path("days.jsonl")
        let day: Int64 = 86_400
        try writeLines((0..<520).map { k in
            let t = Date(timeIntervalSince1970: TimeInterval(1_700_000_000 + Int64(k) * day))
            return #"{"flow":{"time":"\#(ISO8601DateFormatter().string(from: t))","uuid":"d\#(k)","verdict":"DROPPED"}}"#
        }, to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        XCTAssertEqual(try runFlowtrail(["query", "--db", db, "--count", "true"]).out, "520\n")
        let python = try runCommand(["python3", "-c", "import sqlite3; print(sqlite3.connect('\(db)').execute('select count(*) from flows').fetchone()[0])"])
        XCTAssertEqual(python.out, "520\n")
    }
}
