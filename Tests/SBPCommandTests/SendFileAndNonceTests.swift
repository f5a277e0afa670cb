import ChainTypes
import Foundation
import Testing

@testable import sbp

@Suite("sbp tx send --file and the nonces --sign-only remembers")
struct SendFileAndNonceTests {
    @Test("a transaction file is one hex per line; blank lines and # comments are skipped, line numbers kept")
    func transactionLines() {
        let lines = TxSend.transactionLines("# batch\n0xaa\n\n  0xbb  \n#0xcc\n0xdd")
        #expect(lines.map(\.number) == [2, 4, 6])
        #expect(lines.map(\.text) == ["0xaa", "0xbb", "0xdd"])
    }

    @Test("--sign-only records the next nonce per sender and chain; a run after it signs the next one")
    func signedNonceRecord() throws {
        let directory = NSTemporaryDirectory() + "sbp-nonce-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sender = try #require(Address(hex: "0x" + String(repeating: "ab", count: 20)))
        let record = SignedNonceRecord(directory: directory, chainId: "chain-a", sender: sender, environment: [:])
        #expect(record.nextNonce() == 0)
        record.signed(nonce: 4)
        #expect(record.nextNonce() == 5)
        record.signed(nonce: 2)  // an older nonce never moves the record back
        #expect(record.nextNonce() == 5)
        let otherChain = SignedNonceRecord(directory: directory, chainId: "chain-b", sender: sender, environment: [:])
        #expect(otherChain.nextNonce() == 0)
        let fromEnvironment = SignedNonceRecord(
            directory: nil, chainId: "chain-a", sender: sender, environment: ["SBP_NONCE_DIR": directory, "HOME": "/nonexistent"])
        #expect(fromEnvironment.nextNonce() == 5)
    }

    @Test("a damaged record counts as none")
    func damagedRecord() throws {
        let directory = NSTemporaryDirectory() + "sbp-nonce-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sender = try #require(Address(hex: "0x" + String(repeating: "cd", count: 20)))
        let record = SignedNonceRecord(directory: directory, chainId: "chain", sender: sender, environment: [:])
        record.signed(nonce: 1)
        try Data("not a number".utf8).write(to: try #require(record.file))
        #expect(record.nextNonce() == 0)
    }
}
