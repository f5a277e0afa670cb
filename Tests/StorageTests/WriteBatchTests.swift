import Storage
import Testing

@testable import StorageRocksDB

/// A batch keeps every key and value in one buffer (issue 18: a block's 21,000 arrays of keys and values cost
/// the driver thread their allocation and release); what it means must not change with that.
@Suite("WriteBatch")
struct WriteBatchTests {
    @Test("a batch holds its operations' keys and values back to back in one buffer, in order, and gives them back")
    func operationsShareOneBuffer() {
        var batch = WriteBatch()
        batch.put([0xaa, 0xbb], for: [1, 2, 3], in: .indexes)
        batch.delete([4], in: .treeNodes)
        batch.put([], for: [5, 6], in: .metadata)
        batch.append(.put(key: [7], value: [0xcc], family: .blocks))
        #expect(batch.bytes == [1, 2, 3, 0xaa, 0xbb, 4, 5, 6, 7, 0xcc])
        #expect(batch.byteCount == 10)
        #expect(batch.count == 4)
        #expect(
            batch.entries.map { [$0.keyStart, $0.keyCount, $0.valueCount] } == [[0, 3, 2], [5, 1, 0], [6, 2, 0], [8, 1, 1]])
        #expect(batch.entries.map(\.isDelete) == [false, true, false, false])
        #expect(
            batch.operations == [
                .put(key: [1, 2, 3], value: [0xaa, 0xbb], family: .indexes), .delete(key: [4], family: .treeNodes),
                .put(key: [5, 6], value: [], family: .metadata), .put(key: [7], value: [0xcc], family: .blocks),
            ])
        #expect(batch.entries.map { Array(batch.key(of: $0)) } == [[1, 2, 3], [4], [5, 6], [7]])
    }

    @Test("appending a batch moves its entries past this batch's bytes: the result is the batch of both's operations")
    func appendingShiftsEntries() {
        var first = WriteBatch()
        first.put([1], for: [0x10, 0x11], in: .indexes)
        first.delete([0x12], in: .indexes)
        var second = WriteBatch()
        second.put([2, 2], for: [0x20], in: .treeNodes)
        second.delete([0x10, 0x11], in: .indexes)
        var whole = first
        whole.append(contentsOf: second)
        var expected = WriteBatch()
        for operation in first.operations + second.operations { expected.append(operation) }
        #expect(whole == expected)
        #expect(whole.operations == first.operations + second.operations)
        #expect(whole.entries.map(\.keyStart) == [0, 3, 4, 7])

        var empty = WriteBatch()
        empty.append(contentsOf: second)
        #expect(empty == second)
        second.append(contentsOf: WriteBatch())
        #expect(second.operations.count == 2)
    }

    /// A block's batch is reserved up front and receives each transaction's governance entries, mostly none,
    /// by `append(contentsOf:)`, its first before any put: the reservation must survive that.
    @Test("appending to an empty batch keeps the room reserved in it, and an empty batch appends nothing")
    func appendingKeepsReservedRoom() {
        var reserved = WriteBatch()
        reserved.reserveCapacity(operations: 1_000, bytes: 64_000)
        let capacity = reserved.bytes.capacity
        reserved.append(contentsOf: WriteBatch())
        var other = WriteBatch()
        other.put([1], for: [2], in: .indexes)
        reserved.append(contentsOf: other)
        #expect(reserved == other)
        #expect(reserved.bytes.capacity == capacity)
        #expect(reserved.entries.capacity >= 1_000)
    }

    @Test("a put whose key and value are encoded into the batch's buffer equals the put of the same bytes")
    func encodedPutEqualsPut() {
        var encoded = WriteBatch()
        encoded.put([9], for: [8], in: .metadata)
        encoded.put(in: .treeNodes, key: { $0.append(contentsOf: [1, 2]) }, value: { $0.append(contentsOf: [3, 4, 5]) })
        encoded.put(in: .indexes, key: { $0.append(6) }, value: { _ in })
        var plain = WriteBatch()
        plain.put([9], for: [8], in: .metadata)
        plain.put([3, 4, 5], for: [1, 2], in: .treeNodes)
        plain.put([], for: [6], in: .indexes)
        #expect(encoded == plain)
        #expect(encoded.operations == plain.operations)
    }

    @Test("limits are checked per entry: a key or value over its bound, anywhere in the batches, is refused")
    func limitsPerEntry() throws {
        var fine = WriteBatch()
        fine.put([1], for: [UInt8](repeating: 1, count: StorageLimits.keyBytesMax), in: .blocks)
        try WriteBatch.validate([fine])
        var longKey = WriteBatch()
        longKey.delete([UInt8](repeating: 1, count: StorageLimits.keyBytesMax + 1), in: .blocks)
        #expect(throws: StorageError.self) { try WriteBatch.validate([fine, longKey]) }
        var longValue = WriteBatch()
        longValue.put(
            in: .blocks, key: { $0.append(1) }, value: { $0.append(contentsOf: repeatElement(0, count: StorageLimits.valueBytesMax + 1)) })
        #expect(throws: StorageError.self) { try longValue.validate() }
    }

    /// RocksDBStore sorts a batch's operations by family rank: the ranks must be the families' name order.
    @Test("the store's family ranks are the families' places in name order")
    func familyRanksFollowNames() {
        let byName = ColumnFamily.allCases.sorted { $0.name < $1.name }
        #expect(ColumnFamily.allCases.map { RocksDBStore.rank(of: $0) } == ColumnFamily.allCases.map { byName.firstIndex(of: $0) ?? -1 })
    }

    /// Two batches are written together out of their own buffers: each operation must read its own batch's bytes.
    @Test("batches written together from their own buffers store each value under its key")
    func batchesWrittenFromTheirBuffers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RocksDBStore(path: directory.path("db"))
        defer { store.close() }
        var first = WriteBatch()
        var second = WriteBatch()
        for number in 0..<200 {
            first.put([UInt8(number), 1], for: [0x20, UInt8(number)], in: .indexes)
            second.put([UInt8(number), 2, 2], for: [0x01, UInt8(199 - number), 0], in: .treeNodes)
        }
        second.delete([0x20, 7], in: .indexes)
        try store.write([first, second], sync: true)
        for number in 0..<200 {
            #expect(try store.get([0x20, UInt8(number)], in: .indexes) == (number == 7 ? nil : [UInt8(number), 1]))
            #expect(try store.get([0x01, UInt8(199 - number), 0], in: .treeNodes) == [UInt8(number), 2, 2])
        }
    }

    /// The store keeps RocksDB's batch between writes (its buffer then keeps its capacity): the next write must
    /// start empty, and a batch above `reusableBatchBytesMax` is freed rather than kept. Replayed operations
    /// would end in the same values, so the test counts the memtable's entries.
    @Test("a kept RocksDB batch carries nothing into the next write, and a large one is not kept")
    func keptBatchStartsEmpty() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RocksDBStore(path: directory.path("db"))
        defer { store.close() }
        #expect(!store.keepsSpareBatch)
        var first = WriteBatch()
        first.put([1], for: [0x20, 1], in: .indexes)
        try store.write(first, sync: true)
        #expect(store.keepsSpareBatch)
        var second = WriteBatch()
        second.delete([0x20, 1], in: .indexes)
        try store.write(second, sync: false)
        var third = WriteBatch()
        third.put([3], for: [0x20, 3], in: .indexes)
        try store.write(third, sync: true)
        #expect(try store.get([0x20, 1], in: .indexes) == nil)
        #expect(try store.get([0x20, 3], in: .indexes) == [3])
        // One memtable entry per operation written: a batch that kept its earlier operations would write
        // them again (the same final values, but 1 + 2 + 3 entries).
        #expect(try store.property("rocksdb.num-entries-active-mem-table", in: .indexes) == "3")

        var large = WriteBatch()
        let value = [UInt8](repeating: 7, count: 1 << 20)
        for number in 0..<(RocksDBStore.reusableBatchBytesMax >> 20) + 1 { large.put(value, for: [0x01, UInt8(number)], in: .blocks) }
        try store.write(large, sync: false)
        #expect(!store.keepsSpareBatch)
        try store.write(third, sync: false)
        #expect(store.keepsSpareBatch)
    }
}
