/// Why a host function stopped the contract; thrown through WasmKit and mapped to a `ContractStatus`.
enum HostAbort: Error {
    /// The contract called `revert`.
    case revert(String)
    /// A host call needed more fuel than remained.
    case outOfFuel
    /// A host-API rule was broken (bad pointer, limit exceeded, write in a query).
    case trap(String)
}
