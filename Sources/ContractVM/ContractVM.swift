import ChainTypes
@_spi(Fuzzing) import WasmKit

/// Runs contract calls deterministically: validated modules cached by code hash, each call on an instance
/// in its freshly instantiated state, fuel from the transaction, bounded memory and stack, and every trap mapped to a `ContractOutcome`.
///
/// DESIGN §1.3 and §6: fuel used, events, writes and return data must be bit-identical on every node, so
/// nothing here reads a clock, and failure messages never carry addresses or backtraces.
public final class ContractVM {
    /// Whether WebAssembly operators consume fuel (always on in a node; off only to measure its cost).
    public let isMetered: Bool
    private let engine: Engine
    /// Validated modules by code hash, each with its idle instances.
    private var modules: [Hash: LoadedModule] = [:]
    /// The module of the last call, checked before `modules`: a block calls the same contract again and
    /// again, and hashing its code hash to find the module and again to take and return an instance cost
    /// more than a host call (issue 18).
    private var lastLoaded: LoadedModule?
    /// The interpreter stack of each call depth (index 0: depth 1), made on first use and kept: a call at
    /// depth d runs only while the calls at lower depths wait in a host call, so one stack per depth is
    /// never used twice at once. Allocating the 256 KiB for every call cost more than many contract calls
    /// (issue 18); at most `ContractLimits.callDepthMax` stacks are kept. The interpreter writes every slot
    /// before it reads it (a fresh stack is uninitialised memory too), so reuse changes no result.
    private var stacks: [CallStack] = []

    /// Creates a VM; `metered: false` exists for benchmarks and must never run transactions.
    public init(metered: Bool = true) {
        isMetered = metered
        engine = Engine(
            configuration: EngineConfiguration(
                stackSize: ContractLimits.interpreterStackBytes,
                features: ContractModule.parserFeatures,
                fuelMetering: metered))
    }

    /// Validates code for deployment and caches its parsed module.
    @discardableResult
    public func validate(code: [UInt8]) throws(ContractValidationError) -> ContractModule {
        let module = try ContractModule(code: code)
        cache(module)
        return module
    }

    /// The cache entry of `module`, made when missing: the same code parses to the same module, so a cached
    /// one keeps its idle instances.
    @discardableResult
    private func cache(_ module: ContractModule) -> LoadedModule {
        if let cached = modules[module.codeHash] { return cached }
        if modules.count >= ContractLimits.cachedModulesMax {
            modules.removeAll()
            lastLoaded = nil
        }
        let loaded = LoadedModule(module)
        modules[module.codeHash] = loaded
        return loaded
    }

    /// Calls `context.contract` with `context.input`; never throws and never crashes on contract behaviour.
    public func call(_ context: CallContext, storage: any ContractStorage) -> ContractOutcome {
        run(context, storage: storage, depth: 1, isReadOnly: false)
    }

    /// Runs `context.contract` read-only: storage writes and events trap.
    public func query(_ context: CallContext, storage: any ContractStorage) -> ContractOutcome {
        run(context, storage: storage, depth: 1, isReadOnly: true)
    }

    func run(_ context: CallContext, storage: any ContractStorage, depth: Int, isReadOnly: Bool) -> ContractOutcome {
        guard context.input.count <= ContractLimits.inputBytesMax else {
            return .failed(.trapped("input exceeds \(ContractLimits.inputBytesMax) bytes"), fuelUsed: 0)
        }
        let loaded: LoadedModule
        do {
            loaded = try loadModule(contract: context.contract, storage: storage)
        } catch {
            return .failed(.trapped(error.message), fuelUsed: 0)
        }
        let session = HostSession(context: context, storage: storage, vm: self, depth: depth, isReadOnly: isReadOnly)
        let instance: ContractInstance
        do {
            instance = try loaded.idle.popLast() ?? ContractInstance(module: loaded.module, engine: engine)
        } catch {
            return .failed(.trapped(Self.bounded("instantiation failed: \(error)")), fuelUsed: 0)
        }
        let store = instance.store
        store.fuel = isMetered ? Fuel(remaining: context.fuelLimit) : nil
        let status = execute(instance, session: session, stack: stack(depth: depth))
        if status == .success && instance.reset() { loaded.idle.append(instance) }
        let fuelUsed: UInt64
        if status == .outOfFuel {
            fuelUsed = context.fuelLimit
        } else if let remaining = store.fuel?.remaining {
            fuelUsed = context.fuelLimit - min(remaining, context.fuelLimit)
        } else {
            fuelUsed = session.unmeteredHostFuel
        }
        guard status == .success else { return .failed(status, fuelUsed: fuelUsed) }
        return ContractOutcome(
            status: .success, fuelUsed: fuelUsed, returnData: session.output, events: session.events, writes: session.writes)
    }

    /// A validated module and its instances reset after a successful call (see `ContractInstance`); a call
    /// takes an idle one or makes a new one (a contract that queries itself needs a second).
    final class LoadedModule {
        let module: ContractModule
        var idle: [ContractInstance] = []

        init(_ module: ContractModule) {
            self.module = module
        }
    }

    /// Why a call could not start.
    struct LoadError: Error {
        let message: String
    }

    private func loadModule(contract: Address, storage: any ContractStorage) throws(LoadError) -> LoadedModule {
        guard let codeHash = storage.codeHash(contract: contract) else {
            throw LoadError(message: "no contract at \(contract)")
        }
        if let lastLoaded, lastLoaded.module.codeHash == codeHash { return lastLoaded }
        if let cached = modules[codeHash] {
            lastLoaded = cached
            return cached
        }
        guard let code = storage.code(hash: codeHash) else {
            throw LoadError(message: "code \(codeHash) of \(contract) is missing")
        }
        let module: ContractModule
        do {
            module = try ContractModule(code: code)
        } catch {
            throw LoadError(message: "invalid code: \(error)")
        }
        let loaded = cache(module)
        lastLoaded = loaded
        return loaded
    }

    /// The stack for calls at `depth` (1 ... `ContractLimits.callDepthMax`; `HostImports.query` refuses deeper).
    private func stack(depth: Int) -> CallStack {
        while stacks.count < depth { stacks.append(CallStack(engine: engine)) }
        return stacks[depth - 1]
    }

    private func execute(_ instance: ContractInstance, session: HostSession, stack: CallStack) -> ContractStatus {
        session.memory = instance.memory
        instance.slot.session = session
        defer {
            instance.slot.session = nil
            session.memory = nil
        }
        do {
            _ = try instance.entry.invoke([], on: &stack.stack)
            return .success
        } catch let abort as HostAbort {
            switch abort {
            case .revert(let message): return .reverted(Self.bounded(message))
            case .outOfFuel: return .outOfFuel
            case .trap(let message): return .trapped(Self.bounded(message))
            }
        } catch let trap as Trap {
            let message = Self.trapMessage(trap)
            return message == "out of fuel" ? .outOfFuel : .trapped(Self.bounded(message))
        } catch {
            return .trapped(Self.bounded("\(error)"))
        }
    }

    /// The trap's reason without the backtrace (whose addresses differ between processes).
    static func trapMessage(_ trap: Trap) -> String {
        var text = Substring(trap.description)
        if let newline = text.firstIndex(of: "\n") { text = text[..<newline] }
        if text.hasPrefix("Trap: ") { text = text.dropFirst("Trap: ".count) }
        return String(text)
    }

    /// An interpreter stack kept between calls (`ExecutionStack` cannot be copied, so it lives in a class).
    final class CallStack {
        var stack: ExecutionStack

        init(engine: Engine) {
            stack = ExecutionStack(engine: engine)
        }
    }

    static func bounded(_ message: String) -> String {
        let utf8 = Array(message.utf8)
        guard utf8.count > ContractLimits.messageBytesMax else { return message }
        return String(decoding: utf8[..<ContractLimits.messageBytesMax], as: UTF8.self)
    }
}
