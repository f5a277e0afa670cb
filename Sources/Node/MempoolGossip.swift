import ChainTypes

/// Packs admitted transactions into gossip messages for peers, and reads the messages peers send.
///
/// A message is the canonical encoding of `[Transaction]` (a `u32` count, then each transaction), at most
/// `messageBytesMax` bytes, so one message never outgrows a peer frame and a burst of submissions costs a
/// few frames instead of one each. The network stays out of it: the node tags and sends the bytes.
public struct MempoolGossip: Hashable, Sendable {
    /// Bytes of the sequence's count prefix.
    static let countBytes = 4
    /// The smallest message bound that still fits any valid transaction on its own.
    public static let messageBytesMin = Limits.transactionBytesMax + countBytes

    public let messageBytesMax: Int

    /// Gossip in messages of at most `messageBytesMax` bytes, which must fit a largest transaction.
    public init(messageBytesMax: Int = NodeLimits.mempoolGossipMessageBytesMaxDefault) {
        precondition(messageBytesMax >= Self.messageBytesMin, "a gossip message must fit a largest transaction")
        self.messageBytesMax = messageBytesMax
    }

    /// The fewest messages, in order, that carry `transactions` in their order.
    ///
    /// A transaction larger than `Limits.transactionBytesMax` is a programmer error: the mempool refuses
    /// those at admission.
    public func messages(for transactions: [Transaction]) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var encoded: [[UInt8]] = []
        var size = Self.countBytes
        for transaction in transactions {
            let bytes = transaction.canonicalBytes
            precondition(bytes.count <= Limits.transactionBytesMax, "gossiped transactions passed admission")
            if size + bytes.count > messageBytesMax || encoded.count == NodeLimits.mempoolGossipTransactionsPerMessageMax {
                messages.append(Self.message(encoded))
                encoded.removeAll(keepingCapacity: true)
                size = Self.countBytes
            }
            encoded.append(bytes)
            size += bytes.count
        }
        if !encoded.isEmpty { messages.append(Self.message(encoded)) }
        return messages
    }

    /// The transactions in a peer's message; a message over the bound or not canonical is refused whole.
    ///
    /// Decoding checks form only: each transaction still goes through `Mempool.add(_:origin: .peer)`.
    public func transactions(in message: [UInt8]) throws(CanonicalDecodingError) -> [Transaction] {
        guard message.count <= messageBytesMax else {
            throw .lengthExceedsLimit(field: "gossip message", length: message.count, limit: messageBytesMax)
        }
        var decoder = CanonicalDecoder(message)
        let transactions: [Transaction] = try decoder.readSequence(
            field: "gossip.transactions", limit: NodeLimits.mempoolGossipTransactionsPerMessageMax)
        try decoder.finish()
        return transactions
    }

    /// The canonical encoding of a transaction sequence, from transactions already encoded once for sizing.
    private static func message(_ encoded: [[UInt8]]) -> [UInt8] {
        var encoder = CanonicalEncoder(reservingCapacity: countBytes + encoded.reduce(0) { $0 + $1.count })
        encoder.write(UInt32(encoded.count))
        for bytes in encoded { encoder.write(fixed: bytes) }
        return encoder.bytes
    }
}
