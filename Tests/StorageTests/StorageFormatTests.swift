import ChainTypes
import Storage
import Testing

/// The format version a store records and the refusal of one this build cannot read (issue 19, deliver 5).
@Suite("StorageFormat")
struct StorageFormatTests {
    @Test("a new store records version 1 (full history); opening it again reads the same, and a version-1 build opens it")
    func recordsFullHistory() throws {
        let store = MemoryKeyValueStore()
        #expect(try store.get(StorageFormat.key, in: .metadata) == nil)
        #expect(try StorageFormat.check(store) == StorageFormat.fullHistory)
        #expect(try store.get(StorageFormat.key, in: .metadata) == StorageFormat.encode(1))
        #expect(try StorageFormat.check(store) == 1)
        #expect(try StorageFormat.check(store, readable: 1...1) == 1)
    }

    @Test(
        "a store restored from a state snapshot records the current version (3) in the restoring batch, and builds reading 1 or 1…2 refuse it"
    )
    func restoredStoreRefusedByOlderReaders() throws {
        let store = MemoryKeyValueStore()
        try StorageFormat.check(store)
        let block = TestChain.block(at: 40, parentHash: Hash.sha256([40]), lastCommit: nil, transactionCount: 1)
        try store.write(try BlockStore(store: store).batch(startingAt: block, certificate: TestChain.certificate(for: block)), sync: true)
        #expect(try store.get(StorageFormat.key, in: .metadata) == StorageFormat.encode(StorageFormat.staleLists))
        #expect(try StorageFormat.check(store) == 3)
        for readable: ClosedRange<UInt32> in [1...1, 1...2] {
            let error = #expect(throws: StorageFormatError.self) { try StorageFormat.check(store, readable: readable) }
            #expect(error == .unsupported(found: 3, readable: readable))
            let text = error?.description ?? ""
            #expect(text.contains("storage format version 3") && text.contains("stale nodes as lists") && text.contains("state snapshot"))
        }
    }

    @Test("a version-2 store is refused by a version-1 build with the reason named")
    func versionTwoRefusedByFullHistoryReader() throws {
        let store = MemoryKeyValueStore()
        var batch = WriteBatch()
        batch.put(StorageFormat.encode(2), for: StorageFormat.key, in: .metadata)
        try store.write(batch, sync: true)
        #expect(try StorageFormat.check(store) == 2, "this build reads version 2 and leaves it as it is")
        let error = #expect(throws: StorageFormatError.self) { try StorageFormat.check(store, readable: 1...1) }
        #expect(error == .unsupported(found: 2, readable: 1...1))
        let text = error?.description ?? ""
        #expect(text.contains("storage format version 2") && text.contains("reads version 1") && text.contains("state snapshot"))
    }

    @Test(
        "a version-1 store holding a partial-history marker (restored or pruned by an older build) is raised to 2 at its next open",
        arguments: [0, 1])
    func markedVersionOneStoreRaised(marker: Int) throws {
        let store = MemoryKeyValueStore()
        var batch = WriteBatch()
        batch.put(StorageFormat.encode(1), for: StorageFormat.key, in: .metadata)
        batch.put(UInt64(9).canonicalBytes, for: StorageFormat.partialHistoryKeys[marker], in: .metadata)
        try store.write(batch, sync: true)
        #expect(throws: StorageFormatError.unsupported(found: 2, readable: 1...1)) { try StorageFormat.check(store, readable: 1...1) }
        #expect(try store.get(StorageFormat.key, in: .metadata) == StorageFormat.encode(1), "a refusing build writes nothing")
        #expect(try StorageFormat.check(store) == 2)
        #expect(try store.get(StorageFormat.key, in: .metadata) == StorageFormat.encode(2))
        #expect(throws: StorageFormatError.unsupported(found: 2, readable: 1...1)) { try StorageFormat.check(store, readable: 1...1) }
    }

    @Test("a store written by a newer build is refused with both versions named")
    func refusesNewer() throws {
        let store = MemoryKeyValueStore()
        var batch = WriteBatch()
        batch.put(StorageFormat.encode(StorageFormat.current + 1), for: StorageFormat.key, in: .metadata)
        try store.write(batch, sync: true)
        let error = #expect(throws: StorageFormatError.self) { try StorageFormat.check(store) }
        #expect(error == .unsupported(found: StorageFormat.current + 1, readable: StorageFormat.readable))
        let text = error?.description ?? ""
        #expect(text.contains("version \(StorageFormat.current + 1)") && text.contains("reads versions 1…\(StorageFormat.current)"))
        #expect(text.contains("newer build"))
    }

    @Test("a stored version that is not four bytes is refused, not guessed")
    func refusesMalformed() throws {
        let store = MemoryKeyValueStore()
        var batch = WriteBatch()
        batch.put([1], for: StorageFormat.key, in: .metadata)
        try store.write(batch, sync: true)
        #expect(throws: StorageFormatError.malformed(byteCount: 1)) { try StorageFormat.check(store) }
    }
}
