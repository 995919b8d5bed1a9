import FlowModel
import FlowQuery
import FlowStore

/// The filter and time range every flow route takes: `filter` (repeatable, ORed), `since`,
/// `until` (RFC 3339 or relative like `90m`).
struct FlowRequest: Sendable {
    let filters: [Typed]
    let since: Int64?
    let until: Int64?

    static let parameters: Set<String> = ["filter", "since", "until"]

    init(_ params: QueryParameters, extraFilters: [String] = []) throws {
        let texts = extraFilters + params.all("filter")
        var filters: [Typed] = []
        for (k, text) in texts.enumerated() {
            do {
                filters.append(try Checker.check(text))
            } catch let e as QueryError {
                var message = e.message
                if let s = e.suggestion { message += "; did you mean \(s)?" }
                if texts.count > 1 { message = "filter \(k + 1): " + message }
                throw APIError(.badRequest, "invalid_filter", message, position: e.column)
            }
        }
        self.filters = filters
        let now = Clock.nowNanos()
        func bound(_ name: String) throws -> Int64? {
            guard let text = params[name], !text.isEmpty else { return nil }
            guard let t = DurationText.timeBound(text, now: now) else {
                throw APIError.badParameter(name, "expected a time (RFC 3339, 2026-01-02, 2026-01-02T15:04, RFC 1123Z) or a duration such as 90m or 2d")
            }
            return t
        }
        since = try bound("since")
        // Inclusive, as hubble observe's --until: the engine's bound is one nanosecond later.
        until = try bound("until").map { $0 == .max ? $0 : $0 + 1 }
        if let since, let until, since >= until { throw APIError.badParameter("until", "must not be before since") }
    }
}

/// The opaque paging cursor: the (time, id) key of the last flow of a page and its order.
enum PageCursor {
    static func encode(_ key: FlowKey, descending: Bool) -> String {
        let text = "\(descending ? "d" : "a").\(key.time).\(key.id)"
        return base64url(Array(text.utf8))
    }

    static func decode(_ text: String, descending: Bool) throws -> FlowKey {
        let bad = APIError.badParameter("cursor", "not a cursor from a previous page of this order")
        guard let bytes = unbase64url(text), let plain = String(validating: bytes, as: UTF8.self) else { throw bad }
        // Ids are SQLite row ids or ClickHouse identity hashes (any Int64).
        let parts = plain.split(separator: ".")
        guard parts.count == 3, parts[0] == (descending ? "d" : "a"), let t = Int64(parts[1]), let id = Int64(parts[2]),
              t > Int64.min else { throw bad }
        return FlowKey(time: t, id: id)
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func base64url(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            var v = UInt32(bytes[i]) << 16
            if n > 1 { v |= UInt32(bytes[i + 1]) << 8 }
            if n > 2 { v |= UInt32(bytes[i + 2]) }
            for k in 0...n { out.append(alphabet[Int(v >> (18 - 6 * UInt32(k)) & 63)]) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unbase64url(_ text: String) -> [UInt8]? {
        var v: UInt32 = 0, bits = 0
        var out: [UInt8] = []
        for c in text.utf8 {
            guard let d = alphabet.firstIndex(of: c) else { return nil }
            v = v << 6 | UInt32(d)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(v >> UInt32(bits) & 0xFF))
            }
        }
        return out
    }
}
