import ChainTypes
import WasmKit

/// Builds the `sbp` host functions of one call, bound to its session.
///
/// Each function charges `FuelCost.hostCallBase` plus its per-byte cost before it touches memory or
/// storage, so the work a contract can demand is bounded by its fuel.
enum HostImports {
    static func make(for slot: ContractInstance.SessionSlot, store: Store) -> Imports {
        var imports = Imports()
        for function in HostFunction.allCases {
            let wasmFunction = Function(store: store, type: function.type) { caller, arguments in
                guard let session = slot.session else { throw HostAbort.trap("host call outside a contract call") }
                try session.charge(FuelCost.hostCallBase, store: caller.store)
                return try implementation(of: function, session: session)(caller.store, Arguments(values: arguments))
            }
            imports.define(module: HostFunction.moduleName, name: function.rawValue, wasmFunction)
        }
        return imports
    }

    private typealias Body = (Store, Arguments) throws(HostAbort) -> [Value]

    private static func implementation(of function: HostFunction, session: HostSession) -> Body {
        switch function {
        case .inputSize:
            return { _, _ in [.i32(UInt32(session.context.input.count))] }
        case .inputRead:
            return { store, arguments throws(HostAbort) in
                try session.charge(FuelCost.copyPerByte * UInt64(session.context.input.count), store: store)
                try session.write(session.context.input, at: try arguments.u32(0), what: "input_read")
                return []
            }
        case .outputWrite:
            return { store, arguments throws(HostAbort) in
                let length = try arguments.u32(1)
                try session.charge(FuelCost.copyPerByte * UInt64(length), store: store)
                let bytes = try session.read(try arguments.u32(0), length, limit: ContractLimits.outputBytesMax, what: "output")
                try session.appendOutput(bytes)
                return []
            }
        case .revert:
            return { store, arguments throws(HostAbort) in
                let length = try arguments.u32(1)
                try session.charge(FuelCost.copyPerByte * UInt64(length), store: store)
                let bytes = try session.read(try arguments.u32(0), length, limit: ContractLimits.messageBytesMax, what: "revert message")
                throw .revert(String(decoding: bytes, as: UTF8.self))
            }
        case .storageGet:
            return { store, arguments throws(HostAbort) in try storageGet(session, store, arguments) }
        case .storageSet:
            return { store, arguments throws(HostAbort) in
                let keyLength = try arguments.u32(1), valueLength = try arguments.u32(3)
                try session.charge(
                    FuelCost.storageWriteBase + FuelCost.storageWritePerByte * (UInt64(keyLength) + UInt64(valueLength)),
                    store: store)
                let key = try session.read(try arguments.u32(0), keyLength, limit: ContractLimits.storageKeyBytesMax, what: "storage key")
                let value = try session.read(
                    try arguments.u32(2), valueLength, limit: ContractLimits.storageValueBytesMax, what: "storage value")
                try session.bufferWrite(key: key, value: value)
                return []
            }
        case .storageDelete:
            return { store, arguments throws(HostAbort) in
                let keyLength = try arguments.u32(1)
                try session.charge(FuelCost.storageWriteBase + FuelCost.storageWritePerByte * UInt64(keyLength), store: store)
                let key = try session.read(try arguments.u32(0), keyLength, limit: ContractLimits.storageKeyBytesMax, what: "storage key")
                try session.bufferWrite(key: key, value: nil)
                return []
            }
        case .caller:
            return { store, arguments throws(HostAbort) in
                try session.charge(FuelCost.copyPerByte * UInt64(Address.byteCount), store: store)
                try session.write(session.context.caller.bytes, at: try arguments.u32(0), what: "caller")
                return []
            }
        case .contractAddress:
            return { store, arguments throws(HostAbort) in
                try session.charge(FuelCost.copyPerByte * UInt64(Address.byteCount), store: store)
                try session.write(session.context.contract.bytes, at: try arguments.u32(0), what: "contract_address")
                return []
            }
        case .callerDepartment:
            return { store, arguments throws(HostAbort) in
                let department = Array(session.context.callerDepartment.utf8)
                try session.charge(FuelCost.copyPerByte * UInt64(department.count), store: store)
                guard department.count <= Int(try arguments.u32(1)) else { return [.i32(UInt32(bitPattern: -1))] }
                try session.write(department, at: try arguments.u32(0), what: "caller_department")
                return [.i32(UInt32(department.count))]
            }
        case .callerHasRole:
            return { _, arguments throws(HostAbort) in
                let role = ContractRole(rawValue: try arguments.u32(0))
                let has = role.map { session.context.callerRoles.contains($0) } ?? false
                return [.i32(has ? 1 : 0)]
            }
        case .blockHeight:
            return { _, _ in [.i64(session.context.blockHeight)] }
        case .blockTimestamp:
            return { _, _ in [.i64(session.context.blockTimestamp)] }
        case .emitEvent:
            return { store, arguments throws(HostAbort) in
                let topicLength = try arguments.u32(1), dataLength = try arguments.u32(3)
                try session.charge(FuelCost.eventPerByte * (UInt64(topicLength) + UInt64(dataLength)), store: store)
                let topic = try session.read(
                    try arguments.u32(0), topicLength, limit: ContractLimits.eventTopicBytesMax, what: "event topic")
                let data = try session.read(try arguments.u32(2), dataLength, limit: ContractLimits.eventDataBytesMax, what: "event data")
                try session.emit(topic: topic, data: data)
                return []
            }
        case .sha256:
            return { store, arguments throws(HostAbort) in
                let length = try arguments.u32(1)
                try session.charge(FuelCost.hashPerByte * UInt64(length), store: store)
                let bytes = try session.read(try arguments.u32(0), length, limit: ContractLimits.hashInputBytesMax, what: "sha256 input")
                try session.write(Hash.sha256(bytes).bytes, at: try arguments.u32(2), what: "sha256 output")
                return []
            }
        case .query:
            return { store, arguments throws(HostAbort) in try query(session, store, arguments) }
        }
    }

    /// `storage_get(keyptr, keylen, outptr, outcap) -> len or -1`: copies the value only when it fits in
    /// `outcap`, and always returns its length so the contract can retry with a larger buffer.
    private static func storageGet(_ session: HostSession, _ store: Store, _ arguments: Arguments) throws(HostAbort) -> [Value] {
        let keyLength = try arguments.u32(1)
        try session.charge(FuelCost.storageReadBase + FuelCost.copyPerByte * UInt64(keyLength), store: store)
        let key = try session.read(try arguments.u32(0), keyLength, limit: ContractLimits.storageKeyBytesMax, what: "storage key")
        guard let value = session.storedValue(key: key) else { return [.i32(UInt32(bitPattern: -1))] }
        try session.charge(FuelCost.copyPerByte * UInt64(value.count), store: store)
        if value.count <= Int(try arguments.u32(3)) {
            try session.write(value, at: try arguments.u32(2), what: "storage_get output")
        }
        return [.i32(UInt32(value.count))]
    }

    /// `query(addrptr, inptr, inlen, outptr, outcap) -> len or -1`: runs another contract read-only with
    /// the fuel left; -1 when it does not exist or does not succeed. The result is copied when it fits.
    private static func query(_ session: HostSession, _ store: Store, _ arguments: Arguments) throws(HostAbort) -> [Value] {
        let inputLength = try arguments.u32(2)
        try session.charge(FuelCost.queryBase + FuelCost.copyPerByte * UInt64(inputLength), store: store)
        guard session.depth < ContractLimits.callDepthMax else {
            throw .trap("query depth exceeds \(ContractLimits.callDepthMax)")
        }
        let addressBytes = try session.read(
            try arguments.u32(0), UInt32(Address.byteCount), limit: Address.byteCount, what: "query address")
        let input = try session.read(try arguments.u32(1), inputLength, limit: ContractLimits.inputBytesMax, what: "query input")
        guard let target = Address(bytes: addressBytes) else { throw .trap("query address is malformed") }
        let context = CallContext(
            contract: target, caller: session.context.contract, callerDepartment: "", callerRoles: [],
            blockHeight: session.context.blockHeight, blockTimestamp: session.context.blockTimestamp,
            input: input, fuelLimit: session.remainingFuel(store: store))
        let outcome = session.vm.run(context, storage: session.storage, depth: session.depth + 1, isReadOnly: true)
        if outcome.status == .outOfFuel { throw .outOfFuel }
        try session.charge(outcome.fuelUsed, store: store)
        guard outcome.status == .success else { return [.i32(UInt32(bitPattern: -1))] }
        try session.charge(FuelCost.copyPerByte * UInt64(outcome.returnData.count), store: store)
        if outcome.returnData.count <= Int(try arguments.u32(4)) {
            try session.write(outcome.returnData, at: try arguments.u32(3), what: "query output")
        }
        return [.i32(UInt32(outcome.returnData.count))]
    }
}

/// Typed access to a host call's arguments; validation fixed the signatures, so a mismatch is a trap, not a crash.
struct Arguments {
    let values: [Value]

    func u32(_ index: Int) throws(HostAbort) -> UInt32 {
        guard index < values.count, case .i32(let value) = values[index] else {
            throw .trap("host call argument \(index) is not i32")
        }
        return value
    }
}
