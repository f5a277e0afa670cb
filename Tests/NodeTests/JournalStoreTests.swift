import ChainTypes
import Consensus
import Foundation
import Keys
import Storage
import StorageRocksDB
import Testing

@testable import Node

/// The consensus journal on disk: what the replica promised survives a restart, and it stays short.
@Suite struct JournalStoreTests {
    static func vote(_ height: UInt64, view: UInt64 = 0) -> JournalRecord {
        .voted(phase: .prepare, view: view, height: height, digest: Hash.sha256(Array("block \(height)".utf8)))
    }

    @Test func recordsSurviveReopeningTheStore() throws {
        let directory = NSTemporaryDirectory() + "sbp-journal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written: [JournalRecord] = [.enteredView(0), Self.vote(1), .changingView(1), Self.vote(2, view: 1)]
        do {
            let store = try RocksDBStore(path: directory)
            defer { store.close() }
            let journal = try JournalStore(store: store)
            #expect(journal.isEmpty)
            try journal.append(Array(written.prefix(2)))
            try journal.append(Array(written.suffix(2)))
        }
        let store = try RocksDBStore(path: directory)
        defer { store.close() }
        #expect(try JournalStore(store: store).records.map(\.record) == written)
    }

    @Test func aStableCheckpointPrunesRecordsAtOrBelowItAndOlderViewRecords() throws {
        let store = MemoryKeyValueStore()
        let journal = try JournalStore(store: store)
        try journal.append([.enteredView(0), Self.vote(1), Self.vote(2), .changingView(1), .enteredView(1), Self.vote(3, view: 1)])
        try journal.append([.stableCheckpoint(height: 2, proof: [])])
        let expected: [JournalRecord] = [.changingView(1), .enteredView(1), Self.vote(3, view: 1), .stableCheckpoint(height: 2, proof: [])]
        #expect(journal.records.map(\.record) == expected)
        // The deletions are durable: a reopened journal holds the same records.
        #expect(try JournalStore(store: store).records.map(\.record) == expected)
        try journal.append([Self.vote(4, view: 1), .stableCheckpoint(height: 4, proof: [])])
        #expect(journal.records.map(\.record) == [.changingView(1), .enteredView(1), .stableCheckpoint(height: 4, proof: [])])
    }

    @Test func aDamagedRecordIsATypedErrorNotACrash() throws {
        let store = MemoryKeyValueStore()
        var batch = WriteBatch()
        batch.put([0xFF, 0x00], for: JournalStore.key(1), in: .journal)
        try store.write(batch, sync: true)
        #expect(throws: NodeError.self) { try JournalStore(store: store) }
    }
}

/// What peers send each other: garbage is a decoding error (the link is closed), never a crash.
@Suite struct PeerMessageTests {
    @Test func messagesRoundTripAndGarbageIsRefused() throws {
        let message = PeerMessage.consensus(.fetchBlocks(fromHeight: 7, requester: 2))
        let decoded = try PeerMessage(canonicalBytes: message.canonicalBytes)
        guard case .consensus(.fetchBlocks(7, 2)) = decoded else {
            Issue.record("round trip changed the message: \(decoded)")
            return
        }
        #expect(throws: CanonicalDecodingError.self) { try PeerMessage(canonicalBytes: []) }
        #expect(throws: CanonicalDecodingError.unknownVariant(type: "PeerMessage", tag: 9)) { try PeerMessage(canonicalBytes: [9]) }
        #expect(throws: CanonicalDecodingError.self) { try PeerMessage(canonicalBytes: message.canonicalBytes + [0]) }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var bytes = message.canonicalBytes
            bytes[Int.random(in: 0..<bytes.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            _ = try? PeerMessage(canonicalBytes: bytes)
        }
    }
}

/// The node's consensus signatures: real secp256k1, and pre-verified results are reused.
@Suite struct ConsensusSignerTests {
    @Test func signaturesVerifyOnlyForTheSignersKey() throws {
        let key = PrivateKey()
        let other = PrivateKey()
        let signer = ConsensusSigner(key: key)
        let digest = Hash.sha256([1, 2, 3])
        let signature = signer.sign(digest)
        let validator = try Validator(name: "v", department: "TD", publicKey: key.publicKey.compressed)
        let impostor = try Validator(name: "w", department: "TD", publicKey: other.publicKey.compressed)
        #expect(signer.isValid(signature, digest: digest, by: validator))
        #expect(!signer.isValid(signature, digest: digest, by: impostor))
        #expect(!signer.isValid(signature, digest: Hash.sha256([4]), by: validator))
        // A bad pre-verification is not remembered as good.
        signer.preverify(signature, digest: digest, key: other.publicKey.compressed)
        #expect(!signer.isValid(signature, digest: digest, by: impostor))
        signer.preverify(signature, digest: digest, key: key.publicKey.compressed)
        #expect(signer.isValid(signature, digest: digest, by: validator))
    }
}
