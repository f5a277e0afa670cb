import ChainTypes

extension BlockStore {
    /// Tags of the `indexes` family: the first key byte says which index a key belongs to.
    ///
    /// One byte per index keeps every index a contiguous, prefix-scannable range. Tags 0x01–0x0f belong
    /// to the block store; the ledger's indexes (sender → txs, contract → events, record → history) take
    /// tags from 0x10 up (`docs/storage.md`).
    public enum IndexTag: UInt8, Sendable, CaseIterable {
        /// `0x01 ‖ block hash (32)` → height (canonical u64).
        case blockHash = 0x01
        /// `0x02 ‖ transaction hash (32)` → `TransactionLocation` (canonical u64 height, u32 index).
        case transaction = 0x02
    }

    /// The key formats of the block store (`docs/storage.md` §Key layout).
    public enum Keys {
        /// `blocks` and `certificates` key: the height as 8 big-endian bytes, so byte order is height order.
        public static func height(_ height: UInt64) -> [UInt8] {
            (0..<8).reversed().map { UInt8(truncatingIfNeeded: height >> (UInt64($0) * 8)) }
        }

        /// Parses a height key; nil unless it is exactly 8 bytes.
        public static func height(fromKey key: [UInt8]) -> UInt64? {
            guard key.count == 8 else { return nil }
            return key.reduce(0) { $0 << 8 | UInt64($1) }
        }

        /// `indexes` key of a block hash.
        public static func blockHash(_ hash: Hash) -> [UInt8] {
            index(.blockHash, hash)
        }

        /// `indexes` key of a transaction hash.
        public static func transaction(_ hash: Hash) -> [UInt8] {
            index(.transaction, hash)
        }

        /// `metadata` key of the latest height pointer, whose value is the canonical u64 height.
        public static let latestHeight: [UInt8] = Array("latestHeight".utf8)

        /// `metadata` key of the first height whose block the store holds, written only by a store restored
        /// from a state snapshot (absent: every block from height 1).
        public static let firstHeight: [UInt8] = Array("history.firstHeight".utf8)

        private static func index(_ tag: IndexTag, _ hash: Hash) -> [UInt8] {
            var key: [UInt8] = [tag.rawValue]
            key.reserveCapacity(1 + Hash.byteCount)
            hash.append(to: &key)
            return key
        }
    }
}
