import FlowTestSupport
import Foundation
import XCTest

/// A `flowtrail serve` process on an ephemeral loopback port, stopped with the test.
final class ServerProcess {
    let process = Process()
    let port: Int
    private let output = Pipe()
    private let errors = Pipe()

    /// The gRPC listener's port when asked for with `grpc: true` (else it is off: tests run
    /// servers side by side, and 4245 may be taken).
    private(set) var grpcPort: Int?

    /// `db` is a SQLite file or a `clickhouse://` store URL.
    init(db: String, extra: [String] = [], grpc: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: Paths.flowtrail)
        process.arguments = ["serve", db.hasPrefix("clickhouse://") ? "--store" : "--db", db, "--listen", "127.0.0.1:0", "--grpc-listen", grpc ? "127.0.0.1:0" : "off"] + extra
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // The first line says where it listens: "flowtrail: serving NAME on http://127.0.0.1:PORT".
        var line = Data()
        let deadline = Date().addingTimeInterval(30)
        // With gRPC, its line too ("flowtrail: gRPC Observer API on grpc://127.0.0.1:PORT").
        func complete() -> Bool {
            let text = String(decoding: line, as: UTF8.self)
            return text.contains("http://") && text.hasSuffix("\n") && (!grpc || text.contains("grpc"))
        }
        while !complete(), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let r = text.range(of: "http://127.0.0.1:"), let p = Int(text[r.upperBound...].prefix { $0.isNumber }) else {
            process.terminate()
            throw NSError(domain: "flowtrail", code: 1, userInfo: [NSLocalizedDescriptionKey: "server did not start: \(text)"])
        }
        port = p
        if grpc {
            guard let g = text.range(of: "://127.0.0.1:", range: (text.range(of: "gRPC")?.upperBound ?? text.endIndex)..<text.endIndex),
                  let gp = Int(text[g.upperBound...].prefix { $0.isNumber }) else {
                process.terminate()
                throw NSError(domain: "flowtrail", code: 1, userInfo: [NSLocalizedDescriptionKey: "no gRPC listener: \(text)"])
            }
            grpcPort = gp
        }
    }

    /// Sends a signal and waits for the exit status.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Standard error so far (after stop).
    var errorText: String { String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }

    deinit { if process.isRunning { process.terminate(); process.waitUntilExit() } }

    func client() -> HTTPClient { HTTPClient(port: port) }
}

/// A small HTTP/1.1 client over a plain socket: requests whose bytes the test controls
/// exactly (invalid UTF-8, 10 MB URLs) and responses read as they stream.
struct HTTPClient {
    let port: Int
    var headers: [String: String] = [:]

    struct Response {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> NSDictionary { try XCTUnwrap(JSONSerialization.jsonObject(with: body) as? NSDictionary, text) }
        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// A connected socket with the request written.
    func open(_ method: String, _ target: String, body: Data? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw NSError(domain: "flowtrail", code: 2, userInfo: [NSLocalizedDescriptionKey: "connect failed"]) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        var bytes = Data(head.utf8) + Data("\r\n".utf8)
        if let body { bytes += body }
        try sendAll(fd, bytes)
        return fd
    }

    private func sendAll(_ fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = send(fd, raw.baseAddress! + off, raw.count - off, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }  // the server may answer and close before reading it all
                off += n
            }
        }
    }

    /// Sends a request with a raw target (path and query, already encoded) and reads the whole reply.
    func request(_ method: String, _ target: String, body: Data? = nil) throws -> Response {
        let fd = try open(method, target, body: body)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var all = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            all.append(contentsOf: buffer[0..<n])
        }
        return try Self.parse(all)
    }

    func get(_ target: String) throws -> Response { try request("GET", target) }

    static func parse(_ all: Data) throws -> Response {
        guard let split = all.range(of: Data("\r\n\r\n".utf8)) else {
            throw NSError(domain: "flowtrail", code: 3, userInfo: [NSLocalizedDescriptionKey: "no HTTP head in \(all.count) bytes"])
        }
        let head = String(decoding: all[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(all[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    /// Decodes a chunked body (complete or cut short).
    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var i = data.startIndex
        while i < data.endIndex, let lineEnd = data[i...].range(of: Data("\r\n".utf8)) {
            let size = Int(String(decoding: data[i..<lineEnd.lowerBound], as: UTF8.self), radix: 16) ?? 0
            if size == 0 { break }
            let start = lineEnd.upperBound
            let end = min(data.endIndex, start + size)
            out += data[start..<end]
            i = min(data.endIndex, end + 2)
        }
        return out
    }

    /// Percent-encodes a query value.
    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed)!
    }
}
