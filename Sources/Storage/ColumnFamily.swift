/// A named column family: one key space of a store, ordered on its own and sharing no keys with others.
///
/// The set is fixed for the node (DESIGN §4) so that every store opens the same families and a key
/// written by one layer can never collide with another layer's key. `docs/storage.md` lists what each
/// family holds and its key formats.
public enum ColumnFamily: String, CaseIterable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// RocksDB's always-present family; the node writes nothing here, it is named so every family is known.
    case `default` = "default"
    /// Blocks by height.
    case blocks
    /// Commit certificates by height.
    case certificates
    /// Authenticated state tree nodes, written in the same batch as the block that produced them.
    case treeNodes
    /// Secondary indexes: block hash → height, transaction hash → location, and the ledger's indexes.
    case indexes
    /// The consensus safety journal (last view and height voted in), written before a vote is sent.
    case journal
    /// Single values describing the store, such as the latest height pointer.
    case metadata

    /// The family's name as stored in the database.
    public var name: String { rawValue }

    public var description: String { rawValue }

    public static func < (lhs: ColumnFamily, rhs: ColumnFamily) -> Bool { lhs.rawValue < rhs.rawValue }
}
