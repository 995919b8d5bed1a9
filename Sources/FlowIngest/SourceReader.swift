import FlowStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One source being read: its stream, line buffer, identity and read position.
///
/// For a followed file it also notices `tail -F` events: a rename-and-recreate rotation (the
/// path now names another inode; the old file is read to its end first) and a truncation (the
/// file is now shorter than what was read; it is read again from the start).
final class SourceReader {
    /// The key under which the position is stored: the absolute path, or `-` for stdin.
    let key: String
    /// The name used in messages (as given on the command line).
    let name: String
    let isStdin: Bool
    let isGzip: Bool
    private(set) var stream: ByteStream
    private(set) var identity: FileIdentity?
    let buffer = LineBuffer()
    private(set) var lineNumber: Int64 = 0
    /// True once a non-followed source is read to its end.
    private(set) var finished = false
    /// Set while draining a rotated-away file found at startup; at its end, switch to `key`.
    private var drainingRotated = false

    init(path: String, store: FlowStore) throws {
        name = path
        isStdin = path == "-"
        key = isStdin ? "-" : SourceReader.absolute(path)
        isGzip = !isStdin && GzipStream.isGzip(path: path)
        stream = isGzip ? try GzipStream(path: path) : try PlainStream(path: path)
        if !isStdin {
            identity = FileIdentity.of(fd: (stream as? PlainStream)?.fd ?? -1) ?? FileIdentity.of(path: path)
            try resume(from: store.position(of: key))
        }
    }

    /// Continues after the stored position of this path, if it names the same file.
    private func resume(from stored: SourcePosition?) throws {
        guard let stored, let identity else { return }
        if identity.device == stored.device && identity.inode == stored.inode {
            // The same file. A plain file shorter than the position was truncated: read it anew.
            if isGzip || identity.size >= stored.offset {
                try stream.skip(to: stored.offset)
                buffer.reset(at: stored.offset)
                lineNumber = stored.lines
            }
            return
        }
        // Another file now has this path: the one we were reading may have been rotated away
        // while we were not running. Finish it first if it is still in the same directory.
        guard !isGzip, let old = Self.findFile(device: stored.device, inode: stored.inode, near: key),
              let oldIdentity = FileIdentity.of(path: old), oldIdentity.size > stored.offset else { return }
        let oldStream = try PlainStream(path: old)
        try oldStream.skip(to: stored.offset)
        stream.close()
        stream = oldStream
        self.identity = oldIdentity
        buffer.reset(at: stored.offset)
        lineNumber = stored.lines
        drainingRotated = true
    }

    /// The position to commit: this file's identity and the offset after the last whole line.
    var position: SourcePosition? {
        guard !isStdin, let identity else { return nil }
        return SourcePosition(path: key, device: identity.device, inode: identity.inode,
                              offset: buffer.consumedOffset, lines: lineNumber, size: identity.size)
    }

    /// Reads one chunk and processes the complete lines in it; returns the bytes read.
    func pump(_ processor: LineProcessor, follow: Bool) throws -> Int {
        guard !finished else { return 0 }
        let n = try buffer.fill(from: stream)
        try drainLines(processor)
        if n == 0 {
            if !follow || isStdin || isGzip {
                // End of a finished input: a last line without a newline still counts.
                if let rest = buffer.takeRest() {
                    lineNumber += 1
                    try processor.process(rest, source: name, lineNumber: lineNumber)
                }
                if drainingRotated {
                    try switchToPath()
                    return 0
                }
                finished = true
            } else {
                try checkRotation(processor)
            }
        }
        return n
    }

    @inline(__always)
    private func drainLines(_ processor: LineProcessor) throws {
        while let line = buffer.nextLine() {
            lineNumber += 1
            try processor.process(line, source: name, lineNumber: lineNumber)
        }
    }

    /// At the end of a followed file: has it been rotated or truncated?
    private func checkRotation(_ processor: LineProcessor) throws {
        guard let plain = stream as? PlainStream, let current = FileIdentity.of(fd: plain.fd) else { return }
        if drainingRotated {
            try finishOldFile(processor)
            return
        }
        if current.size < buffer.consumedOffset + Int64(buffer.pendingCount) {
            // Truncated in place (copytruncate): read the file again from its start.
            try plain.skip(to: 0)
            buffer.reset(at: 0)
            lineNumber = 0
            identity = current
            return
        }
        identity = current
        guard let atPath = FileIdentity.of(path: key), !atPath.sameFile(current) else { return }
        try finishOldFile(processor)
    }

    /// Reads what is left of a rotated-away file, then opens the new file at the path.
    private func finishOldFile(_ processor: LineProcessor) throws {
        while try buffer.fill(from: stream) > 0 { try drainLines(processor) }
        try drainLines(processor)
        if let rest = buffer.takeRest() {
            lineNumber += 1
            try processor.process(rest, source: name, lineNumber: lineNumber)
        }
        try switchToPath()
    }

    private func switchToPath() throws {
        guard FileIdentity.of(path: key) != nil else { return }  // not recreated yet
        let fresh = try PlainStream(path: key)
        stream.close()
        stream = fresh
        identity = FileIdentity.of(fd: fresh.fd)
        buffer.reset(at: 0)
        lineNumber = 0
        drainingRotated = false
    }

    func close() { stream.close() }

    static func absolute(_ path: String) -> String {
        if let r = realpath(path, nil) {
            defer { free(r) }
            return String(cString: r)
        }
        return path
    }

    /// A file in the directory of `path` with this device and inode, if any.
    static func findFile(device: Int64, inode: Int64, near path: String) -> String? {
        let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        guard let d = opendir(dir.isEmpty ? "/" : dir) else { return nil }
        defer { closedir(d) }
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            let candidate = dir + "/" + name
            if let id = FileIdentity.of(path: candidate), id.device == device, id.inode == inode { return candidate }
        }
        return nil
    }
}
