import ArgumentParser
import Foundation
import FlowGen
import FlowModel
import FlowQuery
import FlowStore

/// `flowtrail bench`: measured runs whose numbers go into docs/BENCHMARKS.md.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks, each against a peer measured in the same run.",
        subcommands: [IngestBench.self, QueryBench.self, SimulateBench.self]
    )
}

/// Ingest speed, size and memory against Debian's sqlite3 shell loading the same file.
struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Time `flowtrail ingest` and the sqlite3 shell (json_extract, same columns and indexes) on one generated file.",
        discussion: """
            Build with `swift build -c release` first; debug builds are many times slower. The peer is \
            Debian's sqlite3 shell: it imports the raw lines, extracts the same columns with json_extract \
            in one transaction, keeps the raw line (for fidelity, as flowtrail does) and builds the same \
            five indexes.
            """
    )

    @Option(help: "Flows in the generated file.") var flows = 1_000_000
    @Option(help: "Working directory (files are reused between runs).") var dir = "bench-data"
    @Flag(help: "Skip the sqlite3 shell peer.") var noPeer = false
    @Option(help: "Also ingest this many more flows into the filled store, to compare the rate with an empty one.")
    var second = 0

    func run() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let me = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
            : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
        let file = "\(dir)/gen-\(flows).jsonl"
        if !FileManager.default.fileExists(atPath: file) {
            print("generating \(flows) flows into \(file) …")
            // A fixed start: the same file (and the same partitions) in every run.
            try shell("\(q(me)) gen --count \(flows) --seed 1 --start \(FlowTime.format(GeneratorOptions().start)) > \(q(file))")
        }
        let fileBytes = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
        print("input: \(file), \(flows) flows, \(fileBytes / 1_000_000) MB (\(fileBytes / Int64(max(flows, 1))) B/line)")

        let db = "\(dir)/flowtrail-\(flows).db"
        removeDatabase(db)
        let ours = try timed("\(q(me)) ingest --db \(q(db)) \(q(file))")
        let ourBytes = databaseBytes(db)
        report("flowtrail ingest", seconds: ours.seconds, flows: flows, bytes: ourBytes, rssKB: ours.maxRSSKB)

        if second > 0 {
            // The next flows in time, so they land in the same (already large) day partition.
            let start = FlowTime.format(GeneratorOptions().start + Int64(flows) * 1_000_000)
            let more = "\(dir)/gen-\(second)-after-\(flows).jsonl"
            if !FileManager.default.fileExists(atPath: more) {
                try shell("\(q(me)) gen --count \(second) --seed 2 --start \(start) > \(q(more))")
            }
            let emptyDB = "\(dir)/flowtrail-empty.db"
            removeDatabase(emptyDB)
            let empty = try timed("\(q(me)) ingest --db \(q(emptyDB)) \(q(more))")
            report("  \(second) more flows into an empty store", seconds: empty.seconds, flows: second, bytes: databaseBytes(emptyDB), rssKB: empty.maxRSSKB)
            let filled = try timed("\(q(me)) ingest --db \(q(db)) \(q(more))")
            report("  \(second) more flows into the \(flows)-flow store", seconds: filled.seconds, flows: second, bytes: nil, rssKB: filled.maxRSSKB)
            print("  filled/empty rate ratio: \(fixed(empty.seconds / filled.seconds, 2))")
            removeDatabase(emptyDB)
        }

        guard !noPeer else { return }
        let peerDB = "\(dir)/sqlite3-peer-\(flows).db"
        removeDatabase(peerDB)
        let script = "\(dir)/peer.sql"
        try Self.peerScript(file: file).write(toFile: script, atomically: true, encoding: .utf8)
        let peer = try timed("sqlite3 \(q(peerDB)) < \(q(script))")
        let peerBytes = databaseBytes(peerDB)
        report("sqlite3 shell peer", seconds: peer.seconds, flows: flows, bytes: peerBytes, rssKB: peer.maxRSSKB)
        print("speed-up over the peer: \(fixed(peer.seconds / ours.seconds, 2))×")
        removeDatabase(peerDB)
    }

    /// The peer: raw lines in, the same columns out with json_extract, the same indexes after.
    static func peerScript(file: String) -> String {
        """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = NORMAL;
        PRAGMA cache_size = -65536;
        CREATE TEMP TABLE raw(line TEXT);
        .mode ascii
        .separator "\\037" "\\n"
        .import \(file) raw
        BEGIN;
        CREATE TABLE flows AS SELECT
          (unixepoch(substr(f->>'time', 1, 19)) * 1000000000
            + CAST(substr(rtrim(substr(f->>'time', 21), 'Z') || '000000000', 1, 9) AS INTEGER)) AS time,
          f->>'verdict' AS verdict, f->>'drop_reason_desc' AS drop_reason,
          coalesce(f->>'policy_match_type', 0) AS match_type, f->>'traffic_direction' AS direction,
          f->>'Type' AS flow_type, f->>'$.event_type.type' AS event_type, f->>'$.event_type.sub_type' AS event_sub_type,
          f->>'is_reply' AS is_reply, f->>'trace_observation_point' AS trace_point,
          coalesce(f->>'$.l4.TCP.source_port', f->>'$.l4.UDP.source_port') AS src_port,
          coalesce(f->>'$.l4.TCP.destination_port', f->>'$.l4.UDP.destination_port') AS dst_port,
          f->>'$.l7.type' AS l7_type, f->>'$.l7.http.code' AS http_code, f->>'$.l7.dns.rcode' AS dns_rcode,
          f->>'node_name' AS node_name, f->>'$.source.identity' AS src_identity,
          f->>'$.source.namespace' AS src_namespace, f->>'$.source.pod_name' AS src_pod,
          f->>'$.destination.identity' AS dst_identity, f->>'$.destination.namespace' AS dst_namespace,
          f->>'$.destination.pod_name' AS dst_pod, f->>'$.IP.source' AS src_ip, f->>'$.IP.destination' AS dst_ip,
          f->>'$.l7.http.method' AS http_method, f->>'$.l7.dns.query' AS dns_query,
          f->'source_names' AS src_names, f->'destination_names' AS dst_names,
          line AS raw
        FROM (SELECT line, line->'flow' AS f FROM raw);
        CREATE INDEX flows_time ON flows(time);
        CREATE INDEX flows_src ON flows(src_namespace, src_pod, time);
        CREATE INDEX flows_dst ON flows(dst_namespace, dst_pod, time);
        CREATE INDEX flows_verdict ON flows(verdict, time);
        CREATE INDEX flows_match ON flows(match_type, time);
        COMMIT;
        PRAGMA wal_checkpoint(TRUNCATE);
        """
    }

    func report(_ what: String, seconds: Double, flows: Int, bytes: Int64?, rssKB: Int) {
        var line = "\(what): \(fixed(seconds, 2)) s, \(Int(Double(flows) / seconds)) flows/s"
        if let bytes { line += ", \(bytes / 1_000_000) MB on disk, \(bytes / Int64(max(flows, 1))) B/flow" }
        line += ", peak RSS \(rssKB / 1024) MB"
        print(line)
    }

    func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    func databaseBytes(_ path: String) -> Int64 {
        ["", "-wal"].reduce(0) { sum, suffix in
            sum + ((try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }

    func q(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    func shell(_ command: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ValidationError("command failed: \(command)") }
    }

    /// Runs a shell command; wall time and the child's peak resident memory.
    func timed(_ command: String) throws -> (seconds: Double, maxRSSKB: Int) {
        let start = Date()
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup("exec " + command), nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { throw ValidationError("cannot run \(command)") }
        var status: Int32 = 0
        var usage = rusage()
        wait4(pid, &status, 0, &usage)
        guard status == 0 else { throw ValidationError("command failed (\(status)): \(command)") }
        return (Date().timeIntervalSince(start), Int(usage.ru_maxrss))
    }
}

/// Query latency on a stored history, measured in-process (as the server will run queries),
/// with each query's plan, against `jq` running the same filter over the source file.
struct QueryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Time the benchmark queries of docs/BENCHMARKS.md (median of warm runs) and jq on the source file."
    )

    @OptionGroup var database: DatabaseOption
    @Option(help: "The generated file the store was loaded from, for the jq peer.") var source: String?
    @Option(help: "Warm runs per query.") var runs = 15

    struct Case {
        let name: String
        let expression: String
        let since: String?
        let until: String?
        let window: QueryWindow?   // nil: --count
        let jq: String
    }

    func run() throws {
        let store = try database.open(readOnly: true)
        let engine = try QueryEngine(store: store)
        // The busiest source identity, and a 10-minute window in the middle of the history.
        let stats = try StoreStats.read(store)
        let mid = ((stats.firstTime ?? 0) + (stats.lastTime ?? 0)) / 2
        let since = FlowTime.format(mid), until = FlowTime.format(mid + 600_000_000_000)
        var identity = 1
        try engine.lines(try QueryEngine.check(["source.namespace == 'shop'"]), window: .first(1)) { line in
            if case .number(_, let raw)? = (try? JSONValue.parse(String(decoding: line, as: UTF8.self)))?["flow"]?["source"]?["identity"] {
                identity = Int(raw) ?? 1
            }
        }
        let cases = [
            Case(name: "one identity in a 10-minute window (--last 20)", expression: "source.identity == \(identity)u",
                 since: since, until: until, window: .last(20),
                 jq: "select(.flow.source.identity == \(identity) and .flow.time >= \"\(since)\" and .flow.time < \"\(until)\")"),
            Case(name: "namespace + verdict, whole range, --last 100", expression: "source.namespace == 'shop' && verdict == Verdict.DROPPED",
                 since: nil, until: nil, window: .last(100),
                 jq: "select(.flow.source.namespace == \"shop\" and .flow.verdict == \"DROPPED\")"),
            Case(name: "--count policy_match_type == 4", expression: "policy_match_type == 4",
                 since: nil, until: nil, window: nil, jq: "select(.flow.policy_match_type == 4)"),
            Case(name: "--count source.labels.exists(…)", expression: "source.labels.exists(l, l.startsWith('k8s:app=checkout'))",
                 since: nil, until: nil, window: nil,
                 jq: "select(any(.flow.source.labels[]?; startswith(\"k8s:app=checkout\")))"),
        ]
        for c in cases {
            let filters = try QueryEngine.check([c.expression])
            let s = c.since.flatMap { FlowTime.parse($0) }, u = c.until.flatMap { FlowTime.parse($0) }
            var times: [Double] = []
            var result = 0
            for _ in 0..<(runs + 2) {
                let start = Date()
                if let window = c.window {
                    var n = 0
                    try engine.lines(filters, since: s, until: u, window: window) { _ in n += 1 }
                    result = n
                } else {
                    result = Int(try engine.count(filters, since: s, until: u))
                }
                times.append(Date().timeIntervalSince(start) * 1000)
            }
            let warm = times.dropFirst(2).sorted()
            print("\(c.name): \(c.expression)")
            print("  flowtrail: median \(fixed(warm[warm.count / 2], 2)) ms (min \(fixed(warm.first!, 2)), max \(fixed(warm.last!, 2))), \(c.window == nil ? "count" : "flows") \(result)")
            for step in try engine.plan(filters, day: store.days.last ?? 0) { print("  plan: \(step)") }
            if let source {
                let start = Date()
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/bin/sh")
                p.arguments = ["-c", "jq -c '\(c.jq)' '\(source)' | wc -l"]
                let pipe = Pipe()
                p.standardOutput = pipe
                try p.run()
                let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                print("  jq over \(source): \(fixed(Date().timeIntervalSince(start), 1)) s, \(out.trimmingCharacters(in: .whitespacesAndNewlines)) matching lines")
            }
        }
    }
}
