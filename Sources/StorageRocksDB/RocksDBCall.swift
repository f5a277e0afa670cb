import CRocksDB
import Storage

/// Helpers for the RocksDB C API: error pointers, byte buffers and copies out of RocksDB memory.
enum RocksDBCall {
    /// Turns the message a C call left in `errptr` into a typed error and frees it; nil means success.
    static func check(_ message: UnsafeMutablePointer<CChar>?) throws(StorageError) {
        guard let message else { return }
        let text = String(cString: message)
        rocksdb_free(message)
        throw error(fromMessage: text)
    }

    /// Classifies a RocksDB status message by its prefix (`Status::ToString` in RocksDB).
    static func error(fromMessage message: String) -> StorageError {
        if message.hasPrefix("Corruption") { return .corruption(message: message) }
        if message.hasPrefix("Invalid argument") { return .invalidArgument(message: message) }
        return .io(message: message)
    }

    /// Calls `body` with a pointer to `bytes` and their count; an empty array still gets a valid pointer.
    @inline(__always)
    static func withBytes<Result>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>, Int) -> Result) -> Result {
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress {
                return body(base.assumingMemoryBound(to: CChar.self), raw.count)
            }
            var placeholder: CChar = 0
            return withUnsafePointer(to: &placeholder) { body($0, 0) }
        }
    }

    /// Copies `count` bytes that RocksDB owns into a Swift array.
    static func copy(_ pointer: UnsafePointer<CChar>?, count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
