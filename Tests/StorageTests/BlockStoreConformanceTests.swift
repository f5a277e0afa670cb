import ChainTypes
import Storage
import Testing

/// The `BlockStore` contract, checked over every `KeyValueStore` implementation.
@Suite("BlockStore conformance")
struct BlockStoreConformanceTests {
    @Test("appended blocks read back by height and hash, with certificates and transaction locations", arguments: StoreKind.allCases)
    func appendAndRead(kind: StoreKind) throws {
        try withStore(kind) { store in
            let blocks = BlockStore(store: store)
            #expect(try blocks.latestHeight() == 0)
            #expect(try blocks.block(at: 1) == nil)

            var chain = TestChain()
            var appended: [(Block, CommitCertificate)] = []
            for transactionCount in [0, 3, 1] {
                let (block, certificate) = chain.next(transactionCount: transactionCount)
                try blocks.append(block, certificate: certificate)
                chain.advance(block, certificate)
                appended.append((block, certificate))
                #expect(try blocks.latestHeight() == block.height)
            }

            for (block, certificate) in appended {
                #expect(try blocks.block(at: block.height) == block)
                #expect(try blocks.header(at: block.height) == block.header)
                #expect(try blocks.block(hash: block.hash) == block)
                #expect(try blocks.height(ofBlock: block.hash) == block.height)
                #expect(try blocks.certificate(at: block.height) == certificate)
                for (index, transaction) in block.transactions.enumerated() {
                    let location = TransactionLocation(height: block.height, index: UInt32(index))
                    #expect(try blocks.transactionLocation(transaction.hash) == location)
                    let found = try blocks.transaction(transaction.hash)
                    #expect(found?.0 == transaction)
                    #expect(found?.1 == location)
                }
            }
            #expect(try blocks.block(at: 4) == nil)
            #expect(try blocks.certificate(at: 4) == nil)
            #expect(try blocks.block(hash: Hash.sha256([1])) == nil)
            #expect(try blocks.transactionLocation(Hash.sha256([2])) == nil)
            #expect(try blocks.transaction(Hash.sha256([2])) == nil)
            #expect(try store.scan(prefix: [BlockStore.IndexTag.transaction.rawValue], in: .indexes).count == 4)
        }
    }

    @Test("a block at the wrong height is rejected and nothing is written", arguments: StoreKind.allCases)
    func wrongHeight(kind: StoreKind) throws {
        try withStore(kind) { store in
            let blocks = BlockStore(store: store)
            let second = TestChain.block(at: 2, parentHash: .zero, lastCommit: nil, transactionCount: 1)
            try expectRejected(blocks, second, TestChain.certificate(for: second), error: .heightNotNext(expected: 1, received: 2))

            let chain = TestChain()
            let (first, certificate) = chain.next()
            try blocks.append(first, certificate: certificate)
            try expectRejected(blocks, first, certificate, error: .heightNotNext(expected: 2, received: 1))
            #expect(try blocks.latestHeight() == 1)
        }
    }

    @Test("a block whose parent is not the latest block is rejected and nothing is written", arguments: StoreKind.allCases)
    func wrongParent(kind: StoreKind) throws {
        try withStore(kind) { store in
            let blocks = BlockStore(store: store)
            var chain = TestChain()
            let (first, certificate) = chain.next()
            try blocks.append(first, certificate: certificate)
            chain.advance(first, certificate)

            let forged = Hash.sha256([0xba, 0xd0])
            let orphan = TestChain.block(at: 2, parentHash: forged, lastCommit: certificate, transactionCount: 2)
            try expectRejected(
                blocks, orphan, TestChain.certificate(for: orphan), error: .parentMismatch(expected: first.hash, received: forged))
        }
    }

    @Test("a certificate for another height or block is rejected and nothing is written", arguments: StoreKind.allCases)
    func mismatchedCertificate(kind: StoreKind) throws {
        try withStore(kind) { store in
            let blocks = BlockStore(store: store)
            let (block, _) = TestChain().next()
            let otherHash = Hash.sha256([3])
            let wrongHeight = TestChain.certificate(for: block, height: 2)
            let wrongHash = TestChain.certificate(for: block, blockHash: otherHash)
            try expectRejected(blocks, block, wrongHeight, error: .certificateMismatch(height: 2, blockHash: block.hash))
            try expectRejected(blocks, block, wrongHash, error: .certificateMismatch(height: 1, blockHash: otherHash))
        }
    }

    @Test("additional writes land in the block's batch, and are dropped with a rejected block", arguments: StoreKind.allCases)
    func additionalWrites(kind: StoreKind) throws {
        try withStore(kind) { store in
            let blocks = BlockStore(store: store)
            var chain = TestChain()
            let (first, certificate) = chain.next()
            var extra = WriteBatch()
            extra.put([0xab], for: [0x01], in: .treeNodes)
            extra.put([0xcd], for: [0x10, 0x01], in: .indexes)
            try blocks.append(first, certificate: certificate, additionalWrites: extra)
            #expect(try store.get([0x01], in: .treeNodes) == [0xab])
            #expect(try store.get([0x10, 0x01], in: .indexes) == [0xcd])

            var rejectedExtra = WriteBatch()
            rejectedExtra.put([0xef], for: [0x02], in: .treeNodes)
            #expect(throws: BlockStoreError.self) {
                try blocks.append(first, certificate: certificate, additionalWrites: rejectedExtra)
            }
            #expect(try store.get([0x02], in: .treeNodes) == nil)

            var pointerOverwrite = WriteBatch()
            pointerOverwrite.put(UInt64(99).canonicalBytes, for: BlockStore.Keys.latestHeight, in: .metadata)
            chain.advance(first, certificate)
            let (second, secondCertificate) = chain.next()
            try blocks.append(second, certificate: secondCertificate, additionalWrites: pointerOverwrite)
            #expect(try blocks.latestHeight() == 2, "the block's own writes come after the additional ones")
        }
    }

    @Test("undecodable stored bytes are reported as .corruption, never a crash", arguments: StoreKind.allCases)
    func corruptionIsTyped(kind: StoreKind) throws {
        try withStore(kind) { store in
            let blocks = BlockStore(store: store)
            let chain = TestChain()
            let (first, certificate) = chain.next()
            try blocks.append(first, certificate: certificate)

            var damage = WriteBatch()
            damage.put([0xde, 0xad], for: BlockStore.Keys.height(1), in: .blocks)
            damage.put(first.certificate(height: 7), for: BlockStore.Keys.height(1), in: .certificates)
            damage.put([1, 2, 3], for: BlockStore.Keys.latestHeight, in: .metadata)
            damage.put([0xff], for: BlockStore.Keys.transaction(first.transactions[0].hash), in: .indexes)
            try store.write(damage, sync: true)

            for read in [
                { _ = try blocks.block(at: 1) }, { _ = try blocks.header(at: 1) }, { _ = try blocks.block(hash: first.hash) },
                { _ = try blocks.certificate(at: 1) }, { _ = try blocks.latestHeight() },
                { _ = try blocks.transactionLocation(first.transactions[0].hash) },
            ] as [() throws -> Void] {
                let error = #expect(throws: StorageError.self) { try read() }
                guard case .corruption = error else {
                    Issue.record("expected .corruption, got \(String(describing: error))")
                    continue
                }
            }
            #expect(throws: BlockStoreError.self) { try blocks.append(chain.next().block, certificate: certificate) }
        }
    }

    /// Checks that `append` throws `error` and leaves every family exactly as it was.
    private func expectRejected(
        _ blocks: BlockStore, _ block: Block, _ certificate: CommitCertificate, error expected: BlockStoreError,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = try contents(of: blocks.store)
        var extra = WriteBatch()
        extra.put([1], for: [0x77], in: .treeNodes)
        #expect(throws: expected, sourceLocation: sourceLocation) {
            try blocks.append(block, certificate: certificate, additionalWrites: extra)
        }
        #expect(try contents(of: blocks.store) == before, "a rejected append wrote something", sourceLocation: sourceLocation)
    }
}

extension Block {
    /// The canonical bytes of a certificate for this block that claims height `height`.
    fileprivate func certificate(height: UInt64) -> [UInt8] {
        TestChain.certificate(for: self, height: height).canonicalBytes
    }
}
