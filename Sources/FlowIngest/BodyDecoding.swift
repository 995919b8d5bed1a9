import CZlib

/// The `Content-Encoding`s a pushed body may have (RFC 9110 §8.4.1): Fluent Bit's
/// `compress gzip` and Vector's `compression` send gzip; some clients send deflate.
public enum BodyEncoding: String, Sendable {
    case identity, gzip, deflate

    /// The encoding a `Content-Encoding` header names (nil for one this server cannot decode).
    /// `x-gzip` is gzip (RFC 9110); an absent header is identity (an empty one names nothing).
    public init?(header: String?) {
        guard let header else { self = .identity; return }
        switch header.trimmingSpaces.lowercased() {
        case "identity": self = .identity
        case "gzip", "x-gzip": self = .gzip
        case "deflate": self = .deflate
        default: return nil
        }
    }

    /// Why a body could not be decoded.
    public enum Failure: Error, Equatable {
        /// The decoded body would be larger than the limit (bytes).
        case tooLarge(limit: Int)
        /// Not valid data of the encoding.
        case corrupt(String)
    }

    /// Decodes `body` with zlib, refusing to produce more than `limit` bytes (a small gzip body
    /// can expand a thousandfold). deflate is the zlib format as RFC 9110 says; raw deflate,
    /// which some clients send instead, is accepted too.
    public func decode(_ body: [UInt8], limit: Int) throws -> [UInt8] {
        switch self {
        case .identity: return body
        case .gzip: return try Self.inflate(body, windowBits: 15 + 16, limit: limit)
        case .deflate:
            do { return try Self.inflate(body, windowBits: 15, limit: limit) } catch Failure.corrupt {
                return try Self.inflate(body, windowBits: -15, limit: limit)
            }
        }
    }

    static func inflate(_ body: [UInt8], windowBits: Int32, limit: Int) throws -> [UInt8] {
        var z = z_stream()
        guard inflateInit2_(&z, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure.corrupt("zlib initialisation failed")
        }
        defer { inflateEnd(&z) }
        var out: [UInt8] = []
        let chunk = 1 << 16
        var buffer = [UInt8](repeating: 0, count: chunk)
        var mutableBody = body
        return try mutableBody.withUnsafeMutableBufferPointer { input -> [UInt8] in
            z.next_in = input.baseAddress
            z.avail_in = UInt32(input.count)
            while true {
                let (rc, produced) = buffer.withUnsafeMutableBufferPointer { b -> (Int32, Int) in
                    z.next_out = b.baseAddress
                    z.avail_out = UInt32(chunk)
                    let rc = CZlib.inflate(&z, Z_NO_FLUSH)
                    return (rc, chunk - Int(z.avail_out))
                }
                guard rc == Z_OK || rc == Z_STREAM_END || (rc == Z_BUF_ERROR && produced > 0) else {
                    throw Failure.corrupt(rc == Z_BUF_ERROR ? "the compressed body ends early" : "not valid compressed data")
                }
                guard out.count + produced <= limit else { throw Failure.tooLarge(limit: limit) }
                out.append(contentsOf: buffer[0..<produced])
                if rc == Z_STREAM_END {
                    // Concatenated gzip members are valid gzip.
                    guard z.avail_in > 0, windowBits > 15 else { return out }
                    inflateReset(&z)
                }
            }
        }
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
