import ChainTypes
import WasmKit

/// Builds the `sbp` host functions of one call, bound to its session.
///
/// Each function charges `FuelCost.hostCallBase` plus its per-byte cost before it touches memory or
/// storage, so the work a contract can demand is bounded by its fuel.
enum HostImports {
    /// Defines every host function once per instance, in WasmKit's buffer form: the engine passes the
    /// arguments and takes the result in buffers on its stack, and `perform` switches on the function, so
    /// calling into the host allocates nothing beyond what the function itself needs (the array form
    /// allocated three times per call: arguments, results and a closure bound to the session; issue 18).
    /// Charges, results and errors are those of the array form (`HostCallPinTests`).
    static func make(for slot: ContractInstance.SessionSlot, store: Store) -> Imports {
        var imports = Imports()
        for function in HostFunction.allCases {
            let type = function.type
            let body: Function.RawImplementation = { caller, arguments, results in
                guard let session = slot.session else { throw HostAbort.trap("host call outside a contract call") }
                let store = caller.store
                try session.charge(FuelCost.hostCallBase, store: store)
                let result = try perform(function, session: session, store: store, arguments: Arguments(values: arguments))
                // The engine sized `results` from the signature validation checked; a mismatch is a trap.
                switch (result, results.count) {
                case (nil, 0): return
                case (.some(let value), 1): results[0] = value
                default: throw HostAbort.trap("host function \(function.rawValue) returned the wrong number of results")
                }
            }
            let wasmFunction = Function(store: store, parameters: type.parameters, results: type.results, raw: body)
            imports.define(module: HostFunction.moduleName, name: function.rawValue, wasmFunction)
        }
        return imports
    }

    /// Runs `function` after its base charge; returns its result (every host function has at most one).
    private static func perform(
        _ function: HostFunction, session: HostSession, store: Store, arguments: Arguments
    ) throws(HostAbort) -> Value? {
        switch function {
        case .inputSize:
            return .i32(UInt32(session.context.input.count))
        case .inputRead:
            try session.charge(FuelCost.copyPerByte * UInt64(session.context.input.count), store: store)
            try session.write(session.context.input, at: try arguments.u32(0), what: "input_read")
            return nil
        case .outputWrite:
            let length = try arguments.u32(1)
            try session.charge(FuelCost.copyPerByte * UInt64(length), store: store)
            let bytes = try session.read(try arguments.u32(0), length, limit: ContractLimits.outputBytesMax, what: "output")
            try session.appendOutput(bytes)
            return nil
        case .revert:
            let length = try arguments.u32(1)
            try session.charge(FuelCost.copyPerByte * UInt64(length), store: store)
            let bytes = try session.read(try arguments.u32(0), length, limit: ContractLimits.messageBytesMax, what: "revert message")
            throw .revert(String(decoding: bytes, as: UTF8.self))
        case .storageGet:
            return try storageGet(session, store, arguments)
        case .storageSet:
            let keyLength = try arguments.u32(1), valueLength = try arguments.u32(3)
            try session.charge(
                FuelCost.storageWriteBase + FuelCost.storageWritePerByte * (UInt64(keyLength) + UInt64(valueLength)),
                store: store)
            let key = try session.read(try arguments.u32(0), keyLength, limit: ContractLimits.storageKeyBytesMax, what: "storage key")
            let value = try session.read(
                try arguments.u32(2), valueLength, limit: ContractLimits.storageValueBytesMax, what: "storage value")
            try session.bufferWrite(key: key, value: value)
            return nil
        case .storageDelete:
            let keyLength = try arguments.u32(1)
            try session.charge(FuelCost.storageWriteBase + FuelCost.storageWritePerByte * UInt64(keyLength), store: store)
            let key = try session.read(try arguments.u32(0), keyLength, limit: ContractLimits.storageKeyBytesMax, what: "storage key")
            try session.bufferWrite(key: key, value: nil)
            return nil
        case .caller:
            try session.charge(FuelCost.copyPerByte * UInt64(Address.byteCount), store: store)
            try session.write(session.context.caller.bytes, at: try arguments.u32(0), what: "caller")
            return nil
        case .contractAddress:
            try session.charge(FuelCost.copyPerByte * UInt64(Address.byteCount), store: store)
            try session.write(session.context.contract.bytes, at: try arguments.u32(0), what: "contract_address")
            return nil
        case .callerDepartment:
            let department = session.context.callerDepartment.utf8
            try session.charge(FuelCost.copyPerByte * UInt64(department.count), store: store)
            guard department.count <= Int(try arguments.u32(1)) else { return .i32(UInt32(bitPattern: -1)) }
            try session.write(department, at: try arguments.u32(0), what: "caller_department")
            return .i32(UInt32(department.count))
        case .callerHasRole:
            let role = ContractRole(rawValue: try arguments.u32(0))
            let has = role.map { session.context.callerRoles.contains($0) } ?? false
            return .i32(has ? 1 : 0)
        case .blockHeight:
            return .i64(session.context.blockHeight)
        case .blockTimestamp:
            return .i64(session.context.blockTimestamp)
        case .emitEvent:
            let topicLength = try arguments.u32(1), dataLength = try arguments.u32(3)
            try session.charge(FuelCost.eventPerByte * (UInt64(topicLength) + UInt64(dataLength)), store: store)
            let topic = try session.text(
                try arguments.u32(0), topicLength, limit: ContractLimits.eventTopicBytesMax, what: "event topic")
            let data = try session.read(try arguments.u32(2), dataLength, limit: ContractLimits.eventDataBytesMax, what: "event data")
            try session.emit(topic: topic, data: data)
            return nil
        case .sha256:
            let length = try arguments.u32(1)
            try session.charge(FuelCost.hashPerByte * UInt64(length), store: store)
            let bytes = try session.read(try arguments.u32(0), length, limit: ContractLimits.hashInputBytesMax, what: "sha256 input")
            try session.write(Hash.sha256(bytes).bytes, at: try arguments.u32(2), what: "sha256 output")
            return nil
        case .query:
            return try query(session, store, arguments)
        }
    }

    /// `storage_get(keyptr, keylen, outptr, outcap) -> len or -1`: copies the value only when it fits in
    /// `outcap`, and always returns its length so the contract can retry with a larger buffer.
    private static func storageGet(_ session: HostSession, _ store: Store, _ arguments: Arguments) throws(HostAbort) -> Value {
        let keyLength = try arguments.u32(1)
        try session.charge(FuelCost.storageReadBase + FuelCost.copyPerByte * UInt64(keyLength), store: store)
        let key = try session.read(try arguments.u32(0), keyLength, limit: ContractLimits.storageKeyBytesMax, what: "storage key")
        guard let value = session.storedValue(key: key) else { return .i32(UInt32(bitPattern: -1)) }
        try session.charge(FuelCost.copyPerByte * UInt64(value.count), store: store)
        if value.count <= Int(try arguments.u32(3)) {
            try session.write(value, at: try arguments.u32(2), what: "storage_get output")
        }
        return .i32(UInt32(value.count))
    }

    /// `query(addrptr, inptr, inlen, outptr, outcap) -> len or -1`: runs another contract read-only with
    /// the fuel left; -1 when it does not exist or does not succeed. The result is copied when it fits.
    private static func query(_ session: HostSession, _ store: Store, _ arguments: Arguments) throws(HostAbort) -> Value {
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
        guard outcome.status == .success else { return .i32(UInt32(bitPattern: -1)) }
        try session.charge(FuelCost.copyPerByte * UInt64(outcome.returnData.count), store: store)
        if outcome.returnData.count <= Int(try arguments.u32(4)) {
            try session.write(outcome.returnData, at: try arguments.u32(3), what: "query output")
        }
        return .i32(UInt32(outcome.returnData.count))
    }
}

/// Typed access to a host call's arguments; validation fixed the signatures, so a mismatch is a trap, not a crash.
struct Arguments {
    /// The engine's buffer, valid only during the host call.
    let values: UnsafeBufferPointer<Value>

    func u32(_ index: Int) throws(HostAbort) -> UInt32 {
        guard index < values.count, case .i32(let value) = values[index] else {
            throw .trap("host call argument \(index) is not i32")
        }
        return value
    }
}
