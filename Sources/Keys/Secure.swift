#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Helpers for handling secret bytes: wiping them so they do not linger in freed memory.
///
/// A plain loop of zero stores before `free` is a dead store the optimizer may delete; `explicit_bzero`
/// (glibc, musl) and `memset_s` (Darwin) are documented never to be elided.
enum Secure {
    /// Overwrites `count` bytes at `pointer` with zeros in a way the compiler keeps.
    static func zero(_ pointer: UnsafeMutableRawPointer, count: Int) {
        #if canImport(Darwin)
            _ = memset_s(pointer, count, 0, count)
        #else
            explicit_bzero(pointer, count)
        #endif
    }

    /// Overwrites every byte of `bytes` with zero (the array keeps its length).
    static func zero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { zero(base, count: raw.count) }
        }
    }
}
