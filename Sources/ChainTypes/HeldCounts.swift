/// Things held at once, in all and per key, each count under its bound: the connections a server keeps
/// open, in all and per remote address.
///
/// Why one type: the RPC server (`RPCConnectionCap`) and the peer host (`PeerHost`) bound their connections
/// the same way, so a client or a host cannot take the node's file descriptors (docs/operations.md, "File
/// descriptors"); ChainTypes is the one target both depend on.
public struct HeldCounts<Key: Hashable & Sendable>: Sendable {
    public let totalMax: Int
    public let perKeyMax: Int
    /// Held now, over all keys.
    public private(set) var total = 0
    /// Admissions refused since the counts were made, because either bound was reached.
    public private(set) var refused: UInt64 = 0
    private var byKey: [Key: Int] = [:]

    /// Bounds below one are raised to one.
    public init(totalMax: Int, perKeyMax: Int) {
        self.totalMax = max(1, totalMax)
        self.perKeyMax = max(1, perKeyMax)
    }

    /// Counts one more for `key`; false, counted as refused and holding nothing, when either bound is reached.
    public mutating func admit(_ key: Key) -> Bool {
        let held = byKey[key, default: 0]
        guard total < totalMax, held < perKeyMax else {
            refused &+= 1
            return false
        }
        total += 1
        byKey[key] = held + 1
        return true
    }

    /// Forgets one that `admit` counted for `key`; a key holding none is left as it is.
    public mutating func release(_ key: Key) {
        guard let held = byKey[key] else { return }
        total -= 1
        byKey[key] = held > 1 ? held - 1 : nil
    }
}
