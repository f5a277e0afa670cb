/// Fuel charged by host calls, on top of the fuel WasmKit charges per executed operator (DESIGN §6).
///
/// Host calls cost a base amount plus an amount per byte they touch, so a contract cannot make a node
/// copy or hash megabytes for the price of one instruction. These numbers are consensus-critical.
public enum FuelCost {
    /// Every host call.
    public static let hostCallBase: UInt64 = 50
    /// Each byte copied between contract memory and the host (input, output, storage reads, caller data).
    public static let copyPerByte: UInt64 = 1
    /// A storage read, on top of the base and the bytes copied.
    public static let storageReadBase: UInt64 = 200
    /// A storage write or delete, on top of the base.
    public static let storageWriteBase: UInt64 = 500
    /// Each byte of key and value written to storage.
    public static let storageWritePerByte: UInt64 = 10
    /// Each byte of an emitted event's topic and data.
    public static let eventPerByte: UInt64 = 4
    /// Each byte hashed by `sha256`.
    public static let hashPerByte: UInt64 = 2
    /// A query of another contract, on top of the fuel the queried contract uses.
    public static let queryBase: UInt64 = 2_000
}
