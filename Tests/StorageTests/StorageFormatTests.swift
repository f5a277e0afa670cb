import Storage
import Testing

/// The format version a store records and the refusal of one this build cannot read (issue 19, deliver 5).
@Suite("StorageFormat")
struct StorageFormatTests {
    @Test("a new store records the current version; opening it again reads the same")
    func recordsCurrent() throws {
        let store = MemoryKeyValueStore()
        #expect(try store.get(StorageFormat.key, in: .metadata) == nil)
        #expect(try StorageFormat.check(store) == StorageFormat.current)
        #expect(try store.get(StorageFormat.key, in: .metadata) == StorageFormat.encode(StorageFormat.current))
        #expect(try StorageFormat.check(store) == StorageFormat.current)
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
        #expect(text.contains("version \(StorageFormat.current + 1)") && text.contains("reads version \(StorageFormat.current)"))
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
