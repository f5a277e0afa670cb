import ChainTypes
import Foundation
import Keys

/// The next nonce after those `--sign-only` signed for one sender on one chain, kept in a small file.
///
/// A transaction signed but not yet sent is pending nowhere, so the node's `pendingNonce` cannot count it;
/// without this record two `--sign-only` runs in a row would sign the same nonce. Each run signs with the
/// later of the node's pending nonce and this record, and moves the record past what it signed. The file
/// is `<directory>/<address>-<chain id digest>` holding the nonce in decimal; a missing or unreadable
/// file counts as no record (the node's nonce decides), and `--nonce N` overrides both.
struct SignedNonceRecord {
    let file: URL?

    init(directory: String?, chainId: String, sender: Address, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base =
            directory ?? environment["SBP_NONCE_DIR"]
            ?? environment["HOME"].map { URL(fileURLWithPath: $0).appendingPathComponent(".sbp/nonces").path }
        let chain = Hash.sha256(Array(chainId.utf8)).hex.prefix(16)
        file = base.map { URL(fileURLWithPath: $0).appendingPathComponent("\(sender)-\(chain)") }
    }

    /// The nonce after the last one signed here, or 0 when nothing is recorded.
    func nextNonce() -> UInt64 {
        guard let file, let bytes = try? BoundedFile.read(file.path, bytesMax: CLILimits.nonceRecordBytesMax),
            let text = String(validating: bytes, as: UTF8.self), let nonce = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return 0 }
        return nonce
    }

    /// Records that `nonce` was signed; a failure to write only costs the next run this memory, so it is a warning.
    func signed(nonce: UInt64) {
        guard let file else { return }
        let next = max(nextNonce(), nonce &+ 1)
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("\(next)\n".utf8).write(to: file, options: .atomic)
        } catch {
            Progress.note("warning: cannot record the signed nonce in \(file.path): \(error); the next --sign-only may reuse it")
        }
    }
}
