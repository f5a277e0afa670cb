import ChainTypes
import Storage
import Testing

/// Relationships between storage limits and chain limits (STYLE: limits are checked against each other).
@Suite("Storage limits")
struct StorageLimitsTests {
    @Test("one largest block, its certificate and all its index entries fit in one batch")
    func largestBlockFitsInOneBatch() {
        let indexEntryBytes = 1 + Hash.byteCount + 12
        let certificateBytesMax = 8 + 8 + Hash.byteCount + 4 + Limits.validatorsMax * (2 + RecoverableSignature.encodedByteCount)
        let blockEntriesBytes =
            Limits.blockBytesMax + certificateBytesMax + Limits.blockTransactionsMax * indexEntryBytes + 2 * 8 + 64
        #expect(StorageLimits.valueBytesMax >= Limits.blockBytesMax)
        #expect(StorageLimits.valueBytesMax >= certificateBytesMax)
        #expect(StorageLimits.batchBytesMax >= blockEntriesBytes)
        #expect(StorageLimits.batchOperationsMax >= Limits.blockTransactionsMax + 4)
        #expect(StorageLimits.keyBytesMax >= 1 + Hash.byteCount)
        #expect(Limits.blockTransactionsMax <= Int(UInt32.max), "transaction indexes are stored as u32")
    }

    @Test("a batch counts the bytes of its keys and values, also when appended to another")
    func batchByteCount() {
        var batch = WriteBatch()
        batch.put([1, 2, 3], for: [4, 5], in: .blocks)
        batch.delete([6], in: .indexes)
        var other = WriteBatch()
        other.put([], for: [7, 8, 9, 10], in: .metadata)
        batch.append(contentsOf: other)
        #expect(batch.byteCount == 5 + 1 + 4)
        #expect(batch.count == 3)
    }
}
