import Foundation

/// A throw-away ClickHouse server for one test: Debian's `clickhouse-server` (18.16) started as a
/// plain process from the templates in Tests/Fixtures/clickhouse/, listening on 127.0.0.1 only
/// on free ports, its data in a scratch folder; stopped by PID (SIGTERM, then SIGKILL after
/// 5 s: 18.16 can take far longer to stop, and the data is scratch).
///
/// The server is started detached (a shell backgrounds it and exits), so it is not a child of
/// the test process: Foundation's Process reaper on Linux, woken by a SIGCHLD, blocked in
/// `wait4` on a still-running server child and never reaped the flowtrail processes the tests
/// run, whose `waitUntilExit` then hung.
public final class ClickHouseServer {
    public static let binary = "/usr/sbin/clickhouse-server"
    /// The server's PID (from its `--pidfile`), 0 before it wrote one.
    public private(set) var pid: pid_t = 0
    public let httpPort: Int
    public let dir: String

    /// - Throws: when the binary is missing (`scripts/setup --tests` installs it) or the server
    ///   does not answer `/ping` within 30 s.
    /// - Parameters:
    ///   - name: the scratch sub-folder (one per server).
    ///   - ports: HTTP and TCP ports (default: free ones).
    ///   - remoteServers: a `<remote_servers>` block (a cluster's shards), or "".
    public init(scratch: Scratch, name: String = "clickhouse", ports: [Int]? = nil, remoteServers: String = "") throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw NSError(domain: "flowtrail", code: 3, userInfo: [NSLocalizedDescriptionKey:
                "\(Self.binary) is missing: run scripts/setup --tests (Debian's clickhouse-server)"])
        }
        dir = scratch.path(name)
        let ports = try ports ?? Self.freePorts(2)
        httpPort = ports[0]
        let templates = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/clickhouse")
        for sub in ["data", "tmp", "log", "user_files", "format_schemas"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
        }
        try "<?xml version=\"1.0\"?><yandex></yandex>".write(toFile: "\(dir)/no-metrika.xml", atomically: true, encoding: .utf8)
        let config = try String(contentsOf: templates.appendingPathComponent("config.xml.in"), encoding: .utf8)
            .replacingOccurrences(of: "@DIR@", with: dir)
            .replacingOccurrences(of: "@HTTP_PORT@", with: String(ports[0]))
            .replacingOccurrences(of: "@TCP_PORT@", with: String(ports[1]))
            .replacingOccurrences(of: "@REMOTE_SERVERS@", with: remoteServers)
        try config.write(toFile: "\(dir)/config.xml", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: templates.appendingPathComponent("users.xml.in").path, toPath: "\(dir)/users.xml")
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "\"$0\" --config-file=\"$1/config.xml\" --pidfile=\"$1/pid\" </dev/null >/dev/null 2>&1 &", Self.binary, dir]
        try shell.run()
        shell.waitUntilExit()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if pid == 0, let text = try? String(contentsOfFile: "\(dir)/pid", encoding: .utf8), let n = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                pid = n
            }
            if pid != 0, Self.ping(httpPort) { return }
            if pid != 0, !isRunning { break }
            usleep(50_000)
        }
        stop()
        let log = (try? String(contentsOfFile: "\(dir)/log/clickhouse-server.err.log", encoding: .utf8)) ?? ""
        throw NSError(domain: "flowtrail", code: 4, userInfo: [NSLocalizedDescriptionKey: "ClickHouse did not start: \(log.suffix(2000))"])
    }

    /// Two servers that are the shards of the cluster `two` (Tests/Fixtures/clickhouse/
    /// remote_servers.xml.in), as one machine runs a cluster without ZooKeeper.
    public static func twoShards(scratch: Scratch) throws -> [ClickHouseServer] {
        let ports = try freePorts(4)
        let template = try String(contentsOf: Paths.packageRoot.appendingPathComponent("Tests/Fixtures/clickhouse/remote_servers.xml.in"), encoding: .utf8)
        let block = template.replacingOccurrences(of: "@SHARD1_TCP@", with: String(ports[1]))
            .replacingOccurrences(of: "@SHARD2_TCP@", with: String(ports[3]))
        let first = try ClickHouseServer(scratch: scratch, name: "shard1", ports: [ports[0], ports[1]], remoteServers: block)
        do {
            return [first, try ClickHouseServer(scratch: scratch, name: "shard2", ports: [ports[2], ports[3]], remoteServers: block)]
        } catch {
            first.stop()
            throw error
        }
    }

    /// `clickhouse://127.0.0.1:PORT/DATABASE`.
    public func url(_ database: String) -> String { "clickhouse://127.0.0.1:\(httpPort)/\(database)" }

    /// Whether `GET /ping` answers `Ok.` (a plain socket: Foundation here has no HTTP client
    /// without FoundationNetworking).
    public static func ping(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return false }
        var answer: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            answer += chunk[0..<n]
        }
        return String(decoding: answer, as: UTF8.self).hasSuffix("\r\n\r\nOk.\n")
    }

    /// Whether the server process is alive (not gone, not a zombie waiting for init).
    public var isRunning: Bool {
        guard pid != 0, kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !stat.contains(") Z ")
    }

    public func stop() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        // A test server's data is scratch: no need to wait out 18.16's slow shutdown.
        let deadline = Date().addingTimeInterval(5)
        while isRunning, Date() < deadline { usleep(100_000) }
        if isRunning { kill(pid, SIGKILL) }
        while isRunning { usleep(20_000) }
    }

    /// Ports the kernel hands out now (bound to port 0, then released).
    public static func freePorts(_ count: Int) throws -> [Int] {
        var fds: [Int32] = [], ports: [Int] = []
        defer { fds.forEach { close($0) } }
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            fds.append(fd)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
            _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            ports.append(Int(UInt16(bigEndian: addr.sin_port)))
        }
        return ports
    }
}
