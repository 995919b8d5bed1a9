import CZlib
import FlowStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a source could not be read.
public struct SourceError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The identity of an open file: device and inode, and its size now.
struct FileIdentity: Equatable {
    var device: Int64
    var inode: Int64
    var size: Int64
    /// A regular file (not a pipe, FIFO, socket or terminal): it can be read again and seeked.
    var isRegular = true

    init(_ st: stat) {
        device = Int64(st.st_dev)
        inode = Int64(st.st_ino)
        size = Int64(st.st_size)
        isRegular = (st.st_mode & S_IFMT) == S_IFREG
    }

    init(device: Int64, inode: Int64, size: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
    }

    static func of(fd: Int32) -> FileIdentity? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return FileIdentity(st)
    }

    static func of(path: String) -> FileIdentity? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileIdentity(st)
    }

    func sameFile(_ other: FileIdentity) -> Bool { device == other.device && inode == other.inode }
}

/// A byte stream read in chunks: a plain file, a gzip file, or standard input.
protocol ByteStream: AnyObject {
    /// Reads up to `count` bytes; 0 means no more data for now (end of file).
    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int
    /// Moves to an offset of the (decompressed) stream, from the start.
    func skip(to offset: Int64) throws
    func close()
}

extension ByteStream {
    /// Moves to `offset` and returns the up to `LineBuffer.tailLength` bytes before it (fewer
    /// when the stream is shorter than `offset`: its content is not the one recorded).
    func tailBytes(before offset: Int64) throws -> [UInt8] {
        let n = Int(min(Int64(LineBuffer.tailLength), offset))
        try skip(to: offset - Int64(n))
        var out = [UInt8](repeating: 0, count: n)
        var got = 0
        while got < n {
            let r = try out.withUnsafeMutableBufferPointer { try read(into: $0.baseAddress! + got, count: n - got) }
            if r == 0 { break }
            got += r
        }
        return Array(out[0..<got])
    }
}

/// A plain file or standard input.
final class PlainStream: ByteStream {
    let fd: Int32
    let path: String
    private var owned: Bool

    init(path: String) throws {
        self.path = path
        if path == "-" {
            fd = 0
            owned = false
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SourceError("cannot read \(path): \(String(cString: strerror(errno)))") }
            owned = true
            var st = stat()
            if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                Glibc.close(fd)
                throw SourceError("cannot read \(path): is a directory")
            }
        }
    }

    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw SourceError("error reading \(path): \(String(cString: strerror(errno)))")
        }
    }

    func skip(to offset: Int64) throws {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else {
            throw SourceError("cannot seek in \(path): \(String(cString: strerror(errno)))")
        }
    }

    func close() {
        if owned { Glibc.close(fd); owned = false }
    }

    deinit { close() }
}

/// A gzip file (the exporter can compress rotated backups), decompressed as it is read.
final class GzipStream: ByteStream {
    private let file: PlainStream
    private var z = z_stream()
    private let input = UnsafeMutablePointer<UInt8>.allocate(capacity: GzipStream.chunk)
    private var finished = false
    /// True when the data read so far ends exactly at the end of a gzip member: at the end of
    /// the file, the stream is whole. False at the end of a file still being written (or cut
    /// short): its last line may be incomplete.
    private(set) var endsCleanly = false
    private static let chunk = 1 << 16

    init(path: String) throws {
        file = try PlainStream(path: path)
        guard inflateInit2_(&z, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw SourceError("cannot read \(path): zlib initialisation failed")
        }
    }

    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        guard !finished else { return 0 }
        z.next_out = buffer
        z.avail_out = UInt32(count)
        while z.avail_out == UInt32(count) {
            if z.avail_in == 0 {
                let n = try file.read(into: input, count: Self.chunk)
                if n == 0 { finished = true; break }
                z.next_in = input
                z.avail_in = UInt32(n)
            }
            let before = z.avail_in
            let rc = inflate(&z, Z_NO_FLUSH)
            if rc == Z_STREAM_END {
                // Concatenated gzip members are valid gzip: reset and go on if more input follows.
                inflateReset(&z)
                endsCleanly = true
            } else if rc != Z_OK && rc != Z_BUF_ERROR {
                throw SourceError("\(file.path): corrupt gzip data")
            } else if z.avail_in != before || z.avail_out != UInt32(count) {
                endsCleanly = false
            }
        }
        return count - Int(z.avail_out)
    }

    func skip(to offset: Int64) throws {
        var left = offset
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
        defer { scratch.deallocate() }
        while left > 0 {
            let n = try read(into: scratch, count: Int(min(left, 1 << 16)))
            if n == 0 { break }
            left -= Int64(n)
        }
    }

    func close() {
        file.close()
    }

    deinit {
        inflateEnd(&z)
        input.deallocate()
    }

    static func isGzip(path: String) -> Bool {
        if path.hasSuffix(".gz") { return true }
        // Only a regular file is peeked at: reading a pipe's first bytes would lose them.
        guard path != "-", FileIdentity.of(path: path)?.isRegular == true, let f = fopen(path, "rb") else { return false }
        defer { fclose(f) }
        var magic: (UInt8, UInt8) = (0, 0)
        let n = withUnsafeMutableBytes(of: &magic) { fread($0.baseAddress, 1, 2, f) }
        return n == 2 && magic.0 == 0x1F && magic.1 == 0x8B
    }
}
