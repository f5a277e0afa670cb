import ChainTypes

/// Committed blocks and their commit certificates, by height and by hash, with a transaction index.
///
/// DESIGN §4: a block's effects are written in one atomic batch with sync, so a kill -9 at any instant
/// leaves either the whole block or none of it, and the latest height pointer never points past a
/// stored block. Key layout (all heights big-endian, so scans run in height order):
///
/// | family         | key                          | value                               |
/// |----------------|------------------------------|-------------------------------------|
/// | `blocks`       | height (8 bytes BE)          | canonical `Block`                   |
/// | `certificates` | height (8 bytes BE)          | canonical `CommitCertificate`       |
/// | `indexes`      | `0x01` ‖ block hash          | canonical u64 height                |
/// | `indexes`      | `0x02` ‖ transaction hash    | canonical `TransactionLocation`     |
/// | `metadata`     | `"latestHeight"`             | canonical u64 height                |
///
/// Appends must come from one writer at a time (the node's executor); reads may run concurrently.
public struct BlockStore: Sendable {
    public let store: any KeyValueStore

    public init(store: any KeyValueStore) {
        self.store = store
    }

    // MARK: Reads

    /// The height of the latest stored block; 0 when no block is stored.
    public func latestHeight() throws(StorageError) -> UInt64 {
        guard let bytes = try store.get(Keys.latestHeight, in: .metadata) else { return 0 }
        return try decode(UInt64.self, bytes, what: "latest height pointer")
    }

    /// The block at `height`, or nil when none is stored there.
    public func block(at height: UInt64) throws(StorageError) -> Block? {
        guard let bytes = try store.get(Keys.height(height), in: .blocks) else { return nil }
        let block = try decode(Block.self, bytes, what: "block at height \(height)")
        guard block.height == height else {
            throw .corruption(message: "block stored at height \(height) says height \(block.height)")
        }
        return block
    }

    /// The header of the block at `height`, decoded without the transactions.
    public func header(at height: UInt64) throws(StorageError) -> BlockHeader? {
        guard let bytes = try store.get(Keys.height(height), in: .blocks) else { return nil }
        var decoder = CanonicalDecoder(bytes)
        let header: BlockHeader
        do {
            header = try decoder.read()
        } catch {
            throw .corruption(message: "header at height \(height): \(error)")
        }
        guard header.height == height else {
            throw .corruption(message: "header stored at height \(height) says height \(header.height)")
        }
        return header
    }

    /// The block with hash `hash`, or nil when no stored block has it.
    public func block(hash: Hash) throws(StorageError) -> Block? {
        guard let height = try height(ofBlock: hash) else { return nil }
        guard let block = try block(at: height) else {
            throw .corruption(message: "block hash \(hash) indexes height \(height), which has no block")
        }
        guard block.hash == hash else {
            throw .corruption(message: "block hash \(hash) indexes height \(height), whose block is \(block.hash)")
        }
        return block
    }

    /// The height of the block with hash `hash`, from the index alone.
    public func height(ofBlock hash: Hash) throws(StorageError) -> UInt64? {
        guard let bytes = try store.get(Keys.blockHash(hash), in: .indexes) else { return nil }
        return try decode(UInt64.self, bytes, what: "height of block \(hash)")
    }

    /// The commit certificate of the block at `height`, or nil when none is stored there.
    public func certificate(at height: UInt64) throws(StorageError) -> CommitCertificate? {
        guard let bytes = try store.get(Keys.height(height), in: .certificates) else { return nil }
        let certificate = try decode(CommitCertificate.self, bytes, what: "certificate at height \(height)")
        guard certificate.height == height else {
            throw .corruption(message: "certificate stored at height \(height) says height \(certificate.height)")
        }
        return certificate
    }

    /// Where the committed transaction with hash `hash` is, or nil when no stored block has it.
    public func transactionLocation(_ hash: Hash) throws(StorageError) -> TransactionLocation? {
        guard let bytes = try store.get(Keys.transaction(hash), in: .indexes) else { return nil }
        return try decode(TransactionLocation.self, bytes, what: "location of transaction \(hash)")
    }

    /// The committed transaction with hash `hash` and its location, or nil when none is stored.
    ///
    /// Decodes that one transaction of its block, moving past the others (`Transaction.skip`) instead of
    /// decoding and hashing the whole block.
    public func transaction(_ hash: Hash) throws(StorageError) -> (Transaction, TransactionLocation)? {
        guard let location = try transactionLocation(hash) else { return nil }
        guard let bytes = try store.get(Keys.height(location.height), in: .blocks) else {
            throw .corruption(message: "transaction \(hash) indexes height \(location.height), which has no block")
        }
        let transaction: Transaction
        do {
            var decoder = CanonicalDecoder(bytes)
            let header = try decoder.read(BlockHeader.self)
            let count = try decoder.readUInt32()
            guard header.height == location.height, location.index < count else {
                throw StorageError.corruption(message: "transaction \(hash) indexes \(location), past its block")
            }
            for _ in 0..<location.index { try Transaction.skip(in: &decoder) }
            transaction = try decoder.read()
        } catch let error as StorageError {
            throw error
        } catch {
            throw .corruption(message: "block at height \(location.height): \(error)")
        }
        guard transaction.hash == hash else {
            throw .corruption(message: "transaction \(hash) indexes \(location), which holds another transaction")
        }
        return (transaction, location)
    }

    // MARK: Append

    /// Stores `block` and its certificate as the new latest block, in one atomic batch written with sync.
    ///
    /// The batch holds `additionalWrites` (the state tree nodes, receipts and ledger indexes of the same
    /// block) followed by the block, its certificate, the block-hash and transaction index entries and the
    /// latest height pointer, so a crash leaves all of the block's effects or none. Throws, writing
    /// nothing, unless the block is the next height, extends the latest block, and the certificate is
    /// for this block. Storage checks only this chaining; the ledger validates the block itself.
    public func append(_ block: Block, certificate: CommitCertificate, additionalWrites: WriteBatch = WriteBatch()) throws(BlockStoreError)
    {
        let entries = try entries(appending: block, certificate: certificate)
        do {
            try store.write([additionalWrites, entries], sync: true)
        } catch {
            throw .storage(error)
        }
    }

    /// The first height whose block this store holds: 1, or the height of the snapshot it was restored from.
    public func firstHeight() throws(StorageError) -> UInt64 {
        guard let bytes = try store.get(Keys.firstHeight, in: .metadata) else { return 1 }
        return try decode(UInt64.self, bytes, what: "first height")
    }

    /// The batch that makes `block` the first and latest block of an empty store restored from a state
    /// snapshot at its height (docs/adr/0017-state-sync.md): the block, its certificate, its index entries,
    /// the first-height record, storage format version 2 (`StorageFormat.partialHistory`) and the latest height. No chaining check: nothing precedes it here; the
    /// caller has verified it against a certified header.
    public func batch(startingAt block: Block, certificate: CommitCertificate, additionalWrites: WriteBatch = WriteBatch())
        throws(BlockStoreError) -> WriteBatch
    {
        let height = block.height
        guard certificate.height == height, certificate.blockHash == block.hash else {
            throw .certificateMismatch(height: certificate.height, blockHash: certificate.blockHash)
        }
        var batch = additionalWrites
        batch.put(block.canonicalBytes, for: Keys.height(height), in: .blocks)
        batch.put(certificate.canonicalBytes, for: Keys.height(height), in: .certificates)
        batch.put(height.canonicalBytes, for: Keys.blockHash(block.hash), in: .indexes)
        for (index, transaction) in block.transactions.enumerated() {
            let location = TransactionLocation(height: height, index: UInt32(index))
            batch.put(location.canonicalBytes, for: Keys.transaction(transaction.hash), in: .indexes)
        }
        batch.put(height.canonicalBytes, for: Keys.firstHeight, in: .metadata)
        StorageFormat.recordPartialHistory(in: &batch)
        batch.put(height.canonicalBytes, for: Keys.latestHeight, in: .metadata)
        return batch
    }

    /// The batch `append` writes, after checking that `block` may follow the stored chain:
    /// `additionalWrites`, then `entries(appending:certificate:)`.
    public func batch(appending block: Block, certificate: CommitCertificate, additionalWrites: WriteBatch = WriteBatch())
        throws(BlockStoreError) -> WriteBatch
    {
        var batch = additionalWrites
        batch.append(contentsOf: try entries(appending: block, certificate: certificate))
        return batch
    }

    /// The block store's own entries for `block` (the block, its certificate, its index entries and the
    /// latest height pointer), after checking that it may follow the stored chain.
    ///
    /// For a caller that writes them in one atomic write after a large batch it keeps
    /// (`KeyValueStore.write(_:sync:)` with several batches), instead of appending them to a copy of it.
    public func entries(appending block: Block, certificate: CommitCertificate) throws(BlockStoreError) -> WriteBatch {
        let height = block.height
        let blockHash = block.hash
        try checkChaining(block, blockHash: blockHash)
        guard certificate.height == height, certificate.blockHash == blockHash else {
            throw .certificateMismatch(height: certificate.height, blockHash: certificate.blockHash)
        }
        guard block.transactions.count <= Limits.blockTransactionsMax else {
            throw .tooManyTransactions(count: block.transactions.count)
        }
        var batch = WriteBatch()
        batch.put(block.canonicalBytes, for: Keys.height(height), in: .blocks)
        batch.put(certificate.canonicalBytes, for: Keys.height(height), in: .certificates)
        batch.put(height.canonicalBytes, for: Keys.blockHash(blockHash), in: .indexes)
        for (index, transaction) in block.transactions.enumerated() {
            let location = TransactionLocation(height: height, index: UInt32(index))
            batch.put(location.canonicalBytes, for: Keys.transaction(transaction.hash), in: .indexes)
        }
        batch.put(height.canonicalBytes, for: Keys.latestHeight, in: .metadata)
        return batch
    }

    private func checkChaining(_ block: Block, blockHash: Hash) throws(BlockStoreError) {
        let latest: UInt64
        let parent: BlockHeader?
        do {
            latest = try latestHeight()
            parent = latest == 0 ? nil : try header(at: latest)
        } catch {
            throw .storage(error)
        }
        guard latest < UInt64.max, block.height == latest + 1 else {
            throw .heightNotNext(expected: latest &+ 1, received: block.height)
        }
        guard latest > 0 else { return }
        guard let parent else {
            throw .storage(.corruption(message: "latest height \(latest) has no block"))
        }
        guard block.header.parentHash == parent.hash else {
            throw .parentMismatch(expected: parent.hash, received: block.header.parentHash)
        }
    }

    private func decode<Value: CanonicalCodable>(_ type: Value.Type, _ bytes: [UInt8], what: @autoclosure () -> String) throws(StorageError)
        -> Value
    {
        do {
            return try Value(canonicalBytes: bytes)
        } catch {
            throw .corruption(message: "\(what()): \(error)")
        }
    }
}
