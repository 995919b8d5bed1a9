#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One writer per database: an exclusive `flock` on `PATH-lock`, held while the store is open
/// for writing.
///
/// The writer assigns dictionary ids in memory before its transaction begins, so a second
/// writing process (another `flowtrail ingest`, or a `serve`) would assign the same ids to
/// other values. Readers need no lock: WAL lets them read while the writer writes.
final class WriterLock {
    private let fd: Int32

    /// Nil when the lock file cannot be created (a read-only folder): opening the database
    /// for writing then fails anyway, with SQLite's clearer reason.
    init?(databasePath: String) throws {
        // The resolved path: a symlink to the database (or a path through one) takes the same lock.
        var resolved = databasePath
        if let r = realpath(databasePath, nil) {
            resolved = String(cString: r)
            free(r)
        }
        let path = resolved + "-lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StoreError("another flowtrail process (ingest or serve) is writing to \(databasePath); run one writer at a time (queries can run alongside)")
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
