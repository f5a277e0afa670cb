#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a small file an operator or a user names (a key, a configuration, a contract, a password, an
/// evidence bundle), refusing one over its bound unread, with an error that says what is wrong in words.
///
/// Why one reader: nine hand-written ones had grown, each with its own messages. Given a directory,
/// Foundation's `FileHandle` opened it and then failed to read, and the user saw `Error Domain=NSCocoaErrorDomain
/// Code=256 "(null)"UserInfo={…Code=21 "Is a directory"}` (`sbp licence issue --key /tmp`); others answered
/// "permission denied" for any file they could not open, or "cannot read file" without the reason.
public enum BoundedFile {
    /// The bytes of `path`, at most `bytesMax` of them; `tooLarge` for a longer file (after reading one more).
    public static func read(_ path: String, bytesMax: Int) throws(BoundedFileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: reason(errno)) }
        defer { close(descriptor) }
        let capacity = max(0, bytesMax) + 1
        var bytes = [UInt8](repeating: 0, count: capacity)
        var total = 0
        while total < capacity {
            let count = bytes.withUnsafeMutableBytes { raw in
                Glibc.read(descriptor, raw.baseAddress.map { $0 + total }, capacity - total)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: reason(errno))
            }
            if count == 0 { break }
            total += count
        }
        guard total <= bytesMax else { throw .tooLarge(path: path, bytesMax: bytesMax) }
        bytes.removeLast(capacity - total)
        return bytes
    }

    /// The usual words for the errors a user can fix, the C library's for the rest.
    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EACCES, EPERM: "permission denied"
        case EISDIR: "is a directory, not a file"
        case ENOTDIR: "a part of the path is not a directory"
        default: String(cString: strerror(code))
        }
    }
}

/// Why `BoundedFile.read` refused a file.
public enum BoundedFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is missing, a directory, not permitted, or a read failed.
    case unreadable(path: String, reason: String)
    /// The file holds more than `bytesMax` bytes.
    case tooLarge(path: String, bytesMax: Int)

    /// Why, without the path (callers name the file in their own words).
    public var reason: String {
        switch self {
        case .unreadable(_, let reason): reason
        case .tooLarge(_, let bytesMax): "larger than \(bytesMax) bytes"
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, _), .tooLarge(let path, _): "\(path): \(reason)"
        }
    }
}
