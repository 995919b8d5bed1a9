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

    /// Decompresses one block.
    public func decompress(_ input: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        let size = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        guard size != ZSTD_CONTENTSIZE_ERROR, size != ZSTD_CONTENTSIZE_UNKNOWN, size < 1 << 31 else {
            throw StoreError("corrupt residual block")
        }
        var out = [UInt8](repeating: 0, count: Int(size))
        let n = out.withUnsafeMutableBytes {
            ZSTD_decompressDCtx(dctx, $0.baseAddress, Int(size), input.baseAddress, input.count)
        }
        if ZSTD_isError(n) != 0 { throw StoreError("corrupt residual block: \(String(cString: ZSTD_getErrorName(n)))") }
        return out
    }
}
