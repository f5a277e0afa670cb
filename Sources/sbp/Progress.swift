import Foundation

/// Progress of long operations, on standard error so that standard output stays the command's result
/// (pure JSON with `--output json`).
enum Progress {
    static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
