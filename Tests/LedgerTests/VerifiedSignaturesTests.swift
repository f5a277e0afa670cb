import ChainTypes
import Keys
import LedgerFixtures
import Storage
import Synchronization
import Testing

@testable import Ledger

/// Signatures checked once (`VerifiedSignatures`): a hit is only ever the exact signature that was checked,
/// and execution is the same with or without the cache.
@Suite struct VerifiedSignaturesTests {
    @Test("admission records a checked signature; the same body signed by another key is recovered again and refused everywhere")
    func entriesAreTheExactSignature() throws {
        let (chain, ledger) = try makeLedger()
        let issuer = chain.issuers["TD"]!
        let genuine = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)
        #expect(!ledger.verifiedSignatures.contains(genuine.hash, signature: genuine.signature))
        #expect(throws: Never.self) { try ledger.check(genuine, context: AdmissionContext(pendingFromSender: 0)).get() }
        #expect(ledger.verifiedSignatures.contains(genuine.hash, signature: genuine.signature))

        // Same body, so the same hash, but signed with another department's key.
        let forged = Transaction(body: genuine.body, signature: chain.issuers["IMMD"]!.sign(genuine.hash))
        #expect(forged.hash == genuine.hash)
        #expect(!ledger.verifiedSignatures.contains(forged.hash, signature: forged.signature))
        guard case .failure(.invalidSignature) = ledger.check(forged, context: AdmissionContext(pendingFromSender: 0)) else {
            Issue.record("a forged signature over a cached body was admitted")
            return
        }
        #expect(!Ledger.screen([forged], chainId: chain.chainId, verified: ledger.verifiedSignatures))
        #expect(Ledger.screen([genuine], chainId: chain.chainId, verified: ledger.verifiedSignatures))
        // A faulty primary's block carrying the forged copy: a rejected receipt, nothing executed.
        let executed = try chain.commit([forged], on: ledger)
        #expect(executed.receipts.map(\.status) == [.rejected])
        #expect(!ledger.verifiedSignatures.contains(forged.hash, signature: forged.signature))
    }

    @Test("a block executes to the same roots and receipts on a ledger whose cache holds its signatures and on one without")
    func executionIsTheSameWithOrWithoutTheCache() throws {
        let chain = try FixtureChain()
        let (_, warm) = try makeLedger(chain)
        let (_, cold) = try makeLedger(chain, store: MemoryKeyValueStore())
        let issuer = chain.issuers["TD"]!
        let transactions = try (0..<20).map { number in
            try chain.licenceCall("issue", issueArguments("L-\(number)"), from: issuer)
        }
        for transaction in transactions {
            warm.verifiedSignatures.insert(transaction.hash, signature: transaction.signature)
        }
        let block = try chain.block(on: warm, transactions: transactions)
        let onWarm = try warm.execute(block)
        let onCold = try cold.execute(block)
        #expect(onWarm.stateRoot == onCold.stateRoot)
        #expect(onWarm.receiptsRoot == onCold.receiptsRoot)
        #expect(onWarm.receipts == onCold.receipts)
        #expect(onCold.receipts.allSatisfy { $0.status == .success })
        #expect(cold.verifiedSignatures.count == transactions.count)
    }

    @Test("a batch's signatures recovered on the calling thread or on every core fill the cache alike and leave a forged one out")
    func batchRecoveryOnEitherPath() throws {
        let chain = try FixtureChain()
        let issuer = chain.issuers["TD"]!
        let genuine = try (0..<6).map { try chain.licenceCall("issue", issueArguments("L-\($0)"), from: issuer) }
        let forged = Transaction(body: genuine[0].body, signature: chain.issuers["IMMD"]!.sign(genuine[0].hash))
        for concurrently in [false, true] {
            let (_, ledger) = try makeLedger(chain, store: MemoryKeyValueStore())
            ledger.verifySignatures([forged] + genuine, concurrently: concurrently)
            #expect(
                genuine.allSatisfy { ledger.verifiedSignatures.contains($0.hash, signature: $0.signature) }, "concurrently: \(concurrently)"
            )
            #expect(!ledger.verifiedSignatures.contains(forged.hash, signature: forged.signature), "concurrently: \(concurrently)")
            #expect(ledger.verifiedSignatures.count == genuine.count, "concurrently: \(concurrently)")
        }
    }

    @Test("a signature another path recorded while a batch was being recovered is not recovered again")
    func batchAsksTheCacheAgainBeforeEachRecovery() throws {
        let chain = try FixtureChain()
        let issuer = chain.issuers["TD"]!
        let transactions = try (0..<4).map { try chain.licenceCall("issue", issueArguments("L-\($0)"), from: issuer) }
        let verified = VerifiedSignatures()
        let recovered = Mutex<[Hash]>([])
        // On one thread, in order. While the batch recovers its first signature, another path (gossip
        // admission, as it does beside a proposal's check) records the third one.
        let results = Ledger.checkSignatures(transactions, verified: verified, concurrently: false) { transaction in
            recovered.withLock { $0.append(transaction.hash) }
            if transaction.hash == transactions[0].hash { verified.insert(transactions[2].hash, signature: transactions[2].signature) }
            return Ledger.signatureError(transaction)
        }
        #expect(recovered.withLock { $0 } == [transactions[0].hash, transactions[1].hash, transactions[3].hash])
        #expect(results.map(\.hash) == transactions.map(\.hash))
        #expect(results.allSatisfy { $0.error == nil })
        #expect(transactions.allSatisfy { verified.contains($0.hash, signature: $0.signature) })
    }

    @Test("the cache is bounded by two generations and keeps the newest entries")
    func twoGenerations() throws {
        let cache = VerifiedSignatures(generationCapacity: 3)
        let signature = try RecoverableSignature(compact: [UInt8](repeating: 1, count: 64), recoveryId: 0)
        let hashes = (0..<7).map { Hash.sha256([UInt8($0)]) }
        for hash in hashes { cache.insert(hash, signature: signature) }
        #expect(cache.count <= 6)
        #expect(!cache.contains(hashes[0], signature: signature))
        #expect(cache.contains(hashes[6], signature: signature))
        #expect(cache.contains(hashes[3], signature: signature))
    }

    @Test("a cache spread over several locks keeps its bound and the newest entries, and answers only exact signatures")
    func spreadOverSeveralLocks() throws {
        let cache = VerifiedSignatures(generationCapacity: 16 * 1024)
        let signature = try RecoverableSignature(compact: [UInt8](repeating: 1, count: 64), recoveryId: 0)
        let other = try RecoverableSignature(compact: [UInt8](repeating: 2, count: 64), recoveryId: 0)
        let hashes = (0..<40_000).map { Hash.sha256(UInt64($0).canonicalBytes) }
        for hash in hashes { cache.insert(hash, signature: signature) }
        #expect(cache.count <= 2 * cache.generationCapacity)
        #expect(cache.count > cache.generationCapacity)
        #expect(hashes.suffix(1_000).allSatisfy { cache.contains($0, signature: signature) })
        #expect(!hashes.prefix(1_000).contains { cache.contains($0, signature: signature) }, "the oldest generation was dropped")
        #expect(!hashes.suffix(1_000).contains { cache.contains($0, signature: other) })
    }
}
