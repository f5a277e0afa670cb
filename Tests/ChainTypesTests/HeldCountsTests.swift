import ChainTypes
import Testing

/// The connection bounds of the RPC server and the peer host (`RPCConnectionCap`, `PeerHost`).
@Suite("Held counts")
struct HeldCountsTests {
    @Test("a bound per key and one in all; a release frees the key's place; a refusal holds nothing")
    func bounds() {
        var counts = HeldCounts<String>(totalMax: 5, perKeyMax: 2)
        let admitted = ["a", "a", "a", "b"].map { counts.admit($0) }
        #expect(admitted == [true, true, false, true])
        counts.release("a")
        let again = ["a", "a", "c", "c", "d"].map { counts.admit($0) }
        #expect(again == [true, false, true, true, false])
        #expect(counts.total == 5)
        #expect(counts.refused == 3)
    }

    @Test("releasing a key that holds nothing changes nothing; bounds below one are one")
    func strayRelease() {
        var counts = HeldCounts<Int>(totalMax: 0, perKeyMax: -3)
        counts.release(7)
        #expect(counts.total == 0)
        let first = [7, 8].map { counts.admit($0) }
        #expect(first == [true, false])
        counts.release(8)
        #expect(counts.total == 1)
        counts.release(7)
        let afterRelease = counts.admit(8)
        #expect(counts.total == 1 && afterRelease)
    }
}
