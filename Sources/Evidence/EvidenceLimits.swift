import ChainTypes
import StateTree

/// Size limits of evidence bundles, checked by the decoder before anything is allocated (DESIGN §1.4).
///
/// A bundle comes from anyone (a node, a citizen, a court file), so every variable-length field has a
/// maximum; `docs/evidence.md` §2 lists them and `EvidenceLimitsTests` checks that they fit together.
public enum EvidenceLimits {
    /// Validator-set changes one bundle may walk through: 65,536, far above any real chain's history
    /// (a change needs a governance vote), yet a bound on what a hostile count can make a decoder read.
    public static let transitionsMax = 1 << 16
    /// A contract storage key: the registries use `"L"`/`"C"` + an id of at most 64 bytes; 1 KiB leaves
    /// room for other contracts' keys while keeping the key hash input small.
    public static let keyBytesMax = 1024
    /// A proven value: exactly what the state tree may store (`StateTreeLimits.valueBytesMax`).
    public static let valueBytesMax = StateTreeLimits.valueBytesMax
    /// The largest evidence file `sbp verify` reads, raw or as hex text (twice the bytes, plus `0x`,
    /// quotes and a JSON-RPC envelope): a bundle with a few dozen validator-set changes of a large set is
    /// well under a megabyte, so 16 MiB of text is ample and still bounds memory.
    public static let fileBytesMax = 16 * 1024 * 1024
}

/// Field limits of the standard registries, as the contracts define them (`ID_MAX`, `DEPARTMENT_MAX`,
/// `TEXT_MAX`, `CONDITIONS_MAX` in `Contracts/*.c`): a stored record never exceeds them, so a decoder
/// that meets a longer field is reading something else.
public enum RegistryLimits {
    public static let idBytesMax = 64
    public static let departmentBytesMax = 64
    public static let textBytesMax = 256
    public static let conditionsBytesMax = 1024
}
