import FlowModel
import FlowStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One source being read: its stream, line buffer, identity and read position.
///
/// A file is known by its content, not its name (docs/ARCHITECTURE.md, "Sources"): its
/// fingerprint is the hash of its first line, and its stored position also records the hash of
/// the bytes just before it. A renamed (rotated) file, a copy, or a `.gz` of a file already
/// read therefore resumes where reading stopped, and a new file at an old name starts afresh.
///
/// For a followed file it also notices `tail -F` events: a rename-and-recreate rotation (the
/// path now names another inode; the old file is read to its end first) and a truncation (the
/// file is now shorter than what was read; it is read again from the start).
final class SourceReader {
    /// The absolute path, or `-` for stdin.
    let key: String
    /// The name used in messages (as given on the command line).
    let name: String
    let isStdin: Bool
    let isGzip: Bool
    private(set) var stream: ByteStream
    private(set) var identity: FileIdentity?
    /// The path of the file being read: `key`, or a rotated-away file being finished.
    private var currentPath: String
    /// The hash of the current file's first line; nil until that line is complete.
    private(set) var fingerprint: Int64?
    let buffer = LineBuffer()
    private(set) var lineNumber: Int64 = 0
    /// True once a non-followed source is read to its end.
    private(set) var finished = false
    /// Set while draining a rotated-away file found at startup; at its end, switch to `key`.
    private var drainingRotated = false
    /// In one-shot mode, bytes of an unfinished last line left for the next run.
    private(set) var pendingTail = 0

    init(path: String, store: any SourcePositions) throws {
        name = path
        // Standard input, a pipe (`<(…)`) or another stream: read once, no position to keep.
        isStdin = path == "-" || !(FileIdentity.of(path: path)?.isRegular ?? true)
        key = path == "-" ? "-" : SourceReader.absolute(path)
        currentPath = key
        isGzip = !isStdin && GzipStream.isGzip(path: path)
        stream = isGzip ? try GzipStream(path: path) : try PlainStream(path: path)
        guard !isStdin else { return }
        identity = FileIdentity.of(fd: (stream as? PlainStream)?.fd ?? -1) ?? FileIdentity.of(path: path)
        fingerprint = try Self.firstLineHash(path: path, gzip: isGzip)
        fingerprintSettled = fingerprint != nil
        if let fingerprint, let stored = try store.position(fingerprint: fingerprint) {
            // Read before, under this name or another: go on where that stopped, if the content
            // read then is still the same; otherwise read it all again (duplicates are skipped).
            _ = try resume(at: stored)
            return
        }
        // Read by a flowtrail before schema 3, which kept positions by path and inode?
        if let legacy = try store.legacyPosition(path: key), let identity, legacy.inode == identity.inode,
           legacy.device == identity.device, try resume(at: legacy) {
            return
        }
        try finishRotatedAway(store.latestPosition(path: key))
    }

    /// Continues at a stored position if this file's content up to it is the recorded one
    /// (the bytes before the offset hash as recorded). Returns false, reading from the start,
    /// when it is not: the file was edited, or only shares its first line.
    private func resume(at stored: SourcePosition) throws -> Bool {
        if !isGzip, let identity, identity.size < stored.offset { return false }
        let tail = try stream.tailBytes(before: stored.offset)
        let tailHash = tail.withUnsafeBufferPointer { Int64(bitPattern: ByteHash.of($0)) }
        guard stored.tailHash == 0 || tailHash == stored.tailHash else {
            try restartStream()
            return false
        }
        buffer.reset(at: stored.offset, tail: tail)
        lineNumber = stored.lines
        return true
    }

    /// Reopens the stream at its start (after a failed resume check moved it).
    private func restartStream() throws {
        if isGzip {
            stream.close()
            stream = try GzipStream(path: currentPath)
        } else {
            try stream.skip(to: 0)
        }
        buffer.reset(at: 0)
        lineNumber = 0
    }

    /// Another file now has this path than the one last read under it: the one we were
    /// reading may have been rotated away while we were not running. Finish it first if it is
    /// still in the same directory, uncompressed, and is the same content.
    private func finishRotatedAway(_ latest: SourcePosition?) throws {
        guard let latest, let identity, !isGzip, latest.fingerprint != fingerprint,
              latest.device != identity.device || latest.inode != identity.inode,
              let old = Self.findFile(device: latest.device, inode: latest.inode, near: key),
              let oldIdentity = FileIdentity.of(path: old), oldIdentity.size > latest.offset,
              try Self.firstLineHash(path: old, gzip: false) == latest.fingerprint else { return }
        let oldStream = try PlainStream(path: old)
        let tail = try oldStream.tailBytes(before: latest.offset)
        guard latest.tailHash == 0 || tail.withUnsafeBufferPointer({ Int64(bitPattern: ByteHash.of($0)) }) == latest.tailHash
        else { return }
        stream.close()
        stream = oldStream
        self.identity = oldIdentity
        currentPath = old
        fingerprint = latest.fingerprint
        fingerprintSettled = true
        buffer.reset(at: latest.offset, tail: tail)
        lineNumber = latest.lines
        drainingRotated = true
    }

    /// The position to commit: the file's fingerprint and the offset after the last whole line.
    /// Nil for stdin, and for a file whose first line is not complete yet.
    var position: SourcePosition? {
        guard !isStdin, let identity, let fingerprint else { return nil }
        return SourcePosition(path: currentPath, device: identity.device, inode: identity.inode,
                              offset: buffer.consumedOffset, lines: lineNumber, size: identity.size,
                              fingerprint: fingerprint, tailHash: Int64(bitPattern: ByteHash.of(buffer.tail)))
    }

    /// Reads one chunk and processes the complete lines in it; returns the bytes read.
    func pump(_ processor: LineProcessor, follow: Bool) throws -> Int {
        guard !finished else { return 0 }
        let n = try buffer.fill(from: stream)
        try drainLines(processor)
        if n == 0 {
            let complete = isStdin || (stream as? GzipStream)?.endsCleanly == true
            if complete {
                // The end of a finished input: a last line without a newline still counts.
                if let rest = buffer.takeRest() { try process(rest, processor) }
            } else if !follow || isGzip {
                // A file that may still be written: a last line without its newline is taken
                // only when it is already a whole record; otherwise it stays for the next run.
                try takeCompleteRest(processor)
            } else {
                try checkRotation(processor)
                return n
            }
            if drainingRotated {
                // The rotated-away file's last position goes into the next commit, so reading it
                // later (a .gz of it, by its new name) does not read its tail again.
                if let p = position { processor.writer.setPosition(p) }
                try switchToPath()
                return 0
            }
            finished = true
        }
        return n
    }

    private func takeCompleteRest(_ processor: LineProcessor) throws {
        guard let rest = buffer.rest() else { return }
        if buffer.lastLineTooLong {
            // Over the limit and still unfinished: rejected now, whatever follows it.
            try process(rest, processor)
            buffer.consumeRest()
            return
        }
        if try processor.processIfComplete(rest, source: name, lineNumber: lineNumber + 1) {
            noteLine(rest)
            buffer.consumeRest()
        } else {
            pendingTail = rest.count
        }
    }

    @inline(__always)
    private func drainLines(_ processor: LineProcessor) throws {
        while let line = buffer.nextLine() { try process(line, processor) }
    }

    @inline(__always)
    private func process(_ line: UnsafeBufferPointer<UInt8>, _ processor: LineProcessor) throws {
        noteLine(line)
        if buffer.lastLineTooLong {
            processor.rejectTooLong(source: name, lineNumber: lineNumber)
        } else {
            try processor.process(line, source: name, lineNumber: lineNumber)
        }
    }

    /// Counts a line; the first one that is not blank gives the file its fingerprint (none when
    /// that line is over the length limit: its bytes were not kept).
    @inline(__always)
    private func noteLine(_ line: UnsafeBufferPointer<UInt8>) {
        lineNumber += 1
        if !fingerprintSettled, !isStdin { settleFingerprint(line) }
    }

    /// Whether the fingerprint of the file being read is known (or known to be none).
    private var fingerprintSettled = false

    @inline(never)
    private func settleFingerprint(_ line: UnsafeBufferPointer<UInt8>) {
        if buffer.lastLineTooLong {
            fingerprint = nil
            fingerprintSettled = true
        } else if !Self.isBlank(line) {
            fingerprint = Int64(bitPattern: ByteHash.of(line))
            fingerprintSettled = true
        }
    }

    static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
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
            fingerprint = nil
            fingerprintSettled = false
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
        if let rest = buffer.takeRest() { try process(rest, processor) }
        if let p = position { processor.writer.setPosition(p) }
        try switchToPath()
    }

    private func switchToPath() throws {
        guard FileIdentity.of(path: key) != nil else { return }  // not recreated yet
        let fresh = try PlainStream(path: key)
        stream.close()
        stream = fresh
        identity = FileIdentity.of(fd: fresh.fd)
        currentPath = key
        buffer.reset(at: 0)
        lineNumber = 0
        fingerprint = nil
        fingerprintSettled = false
        drainingRotated = false
    }

    func close() { stream.close() }

    /// The `ByteHash` of a file's first line that is not blank (decompressed for gzip), without
    /// its newline; nil when the file has no complete such line yet, or it is over the line
    /// length limit (then the file has no fingerprint, and its position is not kept).
    static func firstLineHash(path: String, gzip: Bool) throws -> Int64? {
        let s: ByteStream = gzip ? try GzipStream(path: path) : try PlainStream(path: path)
        defer { s.close() }
        let buffer = LineBuffer()
        while true {
            let n: Int
            do { n = try buffer.fill(from: s) } catch { return nil }
            while let line = buffer.nextLine() {
                if buffer.lastLineTooLong { return nil }
                if !isBlank(line) { return Int64(bitPattern: ByteHash.of(line)) }
            }
            if n == 0 { return nil }
        }
    }

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
