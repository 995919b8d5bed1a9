import CZstd

/// zstd compression of residual blocks (many flows' residual JSON, newline-separated).
///
/// Flows of one batch look alike, so a block of them compresses 5–15×; per-row compression
/// would lose most of that gain.
public final class BlockCodec {
    private let cctx: OpaquePointer
    private let dctx: OpaquePointer
    private var scratch: [UInt8] = []
    /// zstd level: 3 measured about 16× on whole lines at 530 MB/s here (design notes).
    public var level: Int32 = 1

    public init() {
        cctx = ZSTD_createCCtx()
        dctx = ZSTD_createDCtx()
    }

    deinit {
        ZSTD_freeCCtx(cctx)
        ZSTD_freeDCtx(dctx)
    }

    /// Compresses `input`; the result is valid until the next call.
    public func compress(_ input: UnsafeBufferPointer<UInt8>) throws -> UnsafeRawBufferPointer {
        let bound = ZSTD_compressBound(input.count)
        if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
        let n = scratch.withUnsafeMutableBytes { out in
            ZSTD_compressCCtx(cctx, out.baseAddress, bound, input.baseAddress, input.count, level)
        }
        if ZSTD_isError(n) != 0 { throw StoreError("compression failed: \(String(cString: ZSTD_getErrorName(n)))") }
        return scratch.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[0..<n]) }
    }

    /// Decompresses one block into `spare` when it is large enough (it is then reused), else
    /// into new memory. Returns the memory, which the caller owns, and the block's length.
    public func decompress(_ input: UnsafeBufferPointer<UInt8>, into spare: UnsafeMutableBufferPointer<UInt8>?) throws
        -> (memory: UnsafeMutableBufferPointer<UInt8>, count: Int) {
        let size = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        guard size != ZSTD_CONTENTSIZE_ERROR, size != ZSTD_CONTENTSIZE_UNKNOWN, size < 1 << 31 else {
            spare?.deallocate()
            throw StoreError("corrupt residual block")
        }
        // Fresh memory for each 0.7 MB block was a third of a one-shot query's time: page
        // faults and zero-filled pages in the kernel, then a copy. Reused memory has neither.
        var out: UnsafeMutableBufferPointer<UInt8>
        if let spare, spare.count >= Int(size) {
            out = spare
        } else {
            spare?.deallocate()
            out = .allocate(capacity: max(Int(size), Self.usualBlockBytes))
        }
        let n = ZSTD_decompressDCtx(dctx, out.baseAddress, out.count, input.baseAddress, input.count)
        if ZSTD_isError(n) != 0 || n != Int(size) {
            out.deallocate()
            throw StoreError("corrupt residual block: \(ZSTD_isError(n) != 0 ? String(cString: ZSTD_getErrorName(n)) : "short")")
        }
        return (out, n)
    }

    /// Room for a typical decompressed block (1,024 residuals of about 0.7 KB), so that
    /// memory taken for one block fits the next.
    static let usualBlockBytes = 1 << 20
}
