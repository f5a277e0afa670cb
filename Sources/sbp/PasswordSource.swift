import Foundation
import Keys

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a keystore password comes from, in order: `--password-file`, `SBP_KEYSTORE_PASSWORD`, the terminal.
///
/// Scripts and tests use the file or the environment; people type it at a prompt without echo. With no
/// file, no variable and no terminal there is nobody to ask, so that is an error rather than a hang.
enum PasswordSource {
    static let environmentVariable = "SBP_KEYSTORE_PASSWORD"
    private static let passwordFileBytesMax = 64 * 1024

    /// Reads the password; `confirm` asks twice at a terminal (for new keys).
    static func read(file: String?, confirm: Bool) throws -> [UInt8] {
        if let file { return try read(file: file) }
        if let password = ProcessInfo.processInfo.environment[environmentVariable] { return Array(password.utf8) }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CommandError(
                "no password: use --password-file FILE or set \(environmentVariable) (stdin is not a terminal)")
        }
        let password = try prompt("Keystore password: ")
        if confirm {
            guard try prompt("Repeat password: ") == password else { throw CommandError("passwords do not match") }
        }
        return password
    }

    /// The first line of `file`, without its line ending.
    private static func read(file: String) throws -> [UInt8] {
        let data: [UInt8]
        do {
            data = try BoundedFile.read(file, bytesMax: passwordFileBytesMax)
        } catch {
            throw CommandError("cannot read password file \(file): \(error.reason)")
        }
        var line = Array(data.prefix { $0 != UInt8(ascii: "\n") })
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }

    /// Prints `message` on standard error and reads one line from the terminal with echo off.
    private static func prompt(_ message: String) throws -> [UInt8] {
        FileHandle.standardError.write(Data(message.utf8))
        var saved = termios()
        let canHideEcho = tcgetattr(STDIN_FILENO, &saved) == 0
        if canHideEcho {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        defer {
            if canHideEcho { _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw CommandError("no password entered") }
        return Array(line.utf8)
    }
}
