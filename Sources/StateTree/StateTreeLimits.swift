/// Size limits of the state tree, its nodes, its update batches and its proofs.
///
/// DESIGN §1.4: every batch and every decoded structure has a named maximum, so a hostile proof or a
/// damaged node cannot make a decoder allocate without bound. `StateTreeLimitsTests` checks the
/// relationships (a proof has at most one sibling per key bit; a path at most one nibble per 4 bits).
public enum StateTreeLimits {
    /// Bits in a key hash; also the deepest binary level a leaf can sit at.
    public static let keyBitsMax = 256
    /// Nibbles in a key hash; also the longest node path.
    public static let pathNibblesMax = keyBitsMax / 4
    /// Children of an internal node (one per nibble value).
    public static let childrenMax = 16
    /// Siblings in a proof: one per binary level, at most one per key bit.
    public static let proofSiblingsMax = keyBitsMax
    /// A stored value. Contract state entries are records, not blobs.
    public static let valueBytesMax = 64 * 1024
    /// Puts and deletes in one update (one block's state changes).
    public static let batchChangesMax = 200_000
}
