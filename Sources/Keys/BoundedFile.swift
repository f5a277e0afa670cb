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
    /// The bytes of `path`, at most `bytesMax` of them; `tooLarge` for a longer file (found by reading past the bound,
    /// by less than 64 KiB).
    public static func read(_ path: String, bytesMax: Int) throws(BoundedFileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: reason(errno)) }
        defer { close(descriptor) }
        // Read in pieces rather than into `bytesMax` bytes allocated up front: most files are far below their bound.
        let piece = 64 * 1024
        var bytes: [UInt8] = []
        while bytes.count <= bytesMax {
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: piece))
            let count = bytes.withUnsafeMutableBytes { raw in Glibc.read(descriptor, raw.baseAddress.map { $0 + start }, piece) }
            let code = errno
            bytes.removeLast(piece - max(0, count))
            if count < 0 {
                if code == EINTR { continue }
                throw .unreadable(path: path, reason: reason(code))
            }
            if count == 0 { break }
        }
        guard bytes.count <= bytesMax else { throw .tooLarge(path: path, bytesMax: bytesMax) }
        return bytes
    }

    /// Why `path` cannot be read as a file, or nil when it opens for reading and is not a directory: for readers
    /// that stream a large file themselves (a snapshot) and would otherwise report Foundation's error codes.
    public static func problem(reading path: String) -> BoundedFileError? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .unreadable(path: path, reason: reason(errno)) }
        defer { close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            return .unreadable(path: path, reason: reason(EISDIR))
        }
        return nil
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

/// Writes a file a user or an operator names (an evidence bundle, a network's public files), with an error in
/// words: Foundation said `The operation could not be completed. (NSCocoaErrorDomain error 512.)` for
/// `sbp evidence export --out /tmp`.
public enum FileWriter {
    /// Writes `bytes` to `path` and syncs them; `replacing` false refuses a file that exists.
    public static func write(_ bytes: [UInt8], to path: String, replacing: Bool) throws(FileWriteError) {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replacing ? O_TRUNC : O_EXCL)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { throw FileWriteError(path: path, reason: reason(errno)) }
        var failure: Int32?
        var offset = 0
        while offset < bytes.count, failure == nil {
            let written = bytes.withUnsafeBytes { raw in Glibc.write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset) }
            if written < 0 {
                if errno != EINTR { failure = errno }
            } else {
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = errno }
        if close(descriptor) != 0, failure == nil { failure = errno }
        if let failure { throw FileWriteError(path: path, reason: reason(failure)) }
    }

    /// Creates the directory `path` and any missing directories above it (mode 0755), as `mkdir -p` does; an
    /// existing directory is fine. Foundation's `createDirectory` said `NSCocoaErrorDomain error 512` where a
    /// part of the path was a file.
    public static func makeDirectories(_ path: String) throws(FileWriteError) {
        if let (failing, reason) = makeDirectory(path) {
            throw FileWriteError(path: path, reason: failing == path ? reason : "\(failing): \(reason)")
        }
    }

    /// Makes `path`, its missing parents first; the path that failed and why, or nil. Only the directories
    /// missing are touched, as Foundation's `createDirectory` does.
    private static func makeDirectory(_ path: String) -> (String, String)? {
        if mkdir(path, 0o755) == 0 { return nil }
        switch errno {
        case EEXIST:
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else { return (path, BoundedFile.reason(ENOTDIR)) }
            return nil
        case ENOENT:
            let parent = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
            guard !parent.isEmpty else { return (path, reason(ENOENT)) }
            if let failure = makeDirectory(parent) { return failure }
            return mkdir(path, 0o755) == 0 || errno == EEXIST ? nil : (path, reason(errno))
        case let code:
            return (path, reason(code))
        }
    }

    /// Why `path` could not be written, found before the work that produces its bytes, or nil when a file
    /// can be created there: the path is not a directory and its directory exists and may be written.
    public static func problem(writing path: String) -> FileWriteError? {
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            return FileWriteError(path: path, reason: reason(EISDIR))
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        guard access(directory, W_OK) == 0 else { return FileWriteError(path: path, reason: "its directory: " + reason(errno)) }
        return nil
    }

    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such directory"
        case EEXIST: "a file is already there"
        case ENOSPC: "no space left on the device"
        default: BoundedFile.reason(code)
        }
    }
}

/// Why `FileWriter` could not create or write a file: its directory is missing or closed, it is a directory, a
/// file is already there, the disk is full.
public struct FileWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
