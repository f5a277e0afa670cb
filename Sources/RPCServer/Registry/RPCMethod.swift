import ChainTypes
import Logging

/// One JSON-RPC method: its documentation (name, summary, parameters, result, errors) and its handler.
///
/// The declaration is the single source of both the OpenRPC document and parameter checking: the engine
/// binds and validates params against `params` before the handler runs, so a handler only sees typed values.
public struct RPCMethod: Sendable {
    /// Runs a call whose parameters the engine has already bound and checked.
    public typealias Handler = @Sendable (RPCArguments, RPCCallContext) async throws(RPCError) -> JSONValue

    public let name: String
    public let summary: String
    /// Longer prose for the documentation; empty when the summary says it all.
    public let description: String
    public let params: [RPCParameter]
    public let result: RPCResultDescriptor
    /// The application and parameter errors this method can return (−32700, −32600, −32601 apply to all).
    public let errors: [RPCErrorCode]
    /// The errors the OpenRPC document lists: the method's own, plus those any call can get: −32602 (surplus
    /// parameters, even for a method without any), −32004 (its request's budget), −32007 (the caller's rate),
    /// and −32008 for methods that write.
    public var documentedErrors: [RPCErrorCode] {
        var codes = errors
        let general: [RPCErrorCode] = [.invalidParams, .limitExceeded, .tooManyRequests] + (writes || localOnly ? [.unauthorized] : [])
        for code in general where !codes.contains(code) {
            codes.append(code)
        }
        return codes
    }
    /// The most work one call can do, counted against the request's budget (`RPCCostLimits`).
    public let cost: RPCCost
    /// Whether the method changes the node's state (submits a transaction): it needs an API token when the
    /// node configures any (`RPCServerConfiguration.apiTokens`).
    public let writes: Bool
    /// Whether the method acts on the node's own files (`node_backup`): only a caller on the node's machine
    /// (a loopback address) may call it, with an API token when the node configures any.
    public let localOnly: Bool
    let handler: Handler
    /// For a method that only submits one transaction (`tx_send`): the transaction its arguments carry. The
    /// engine admits a run of consecutive such calls of one batch in one backend job
    /// (`RPCBackend.submitTransactions`), which recovers their signatures in parallel, and answers each with
    /// the transaction's hash exactly as the handler would; nil for every other method.
    var submission: (@Sendable (RPCArguments) throws(RPCError) -> Transaction)? = nil

    public init(
        name: String, summary: String, description: String = "", params: [RPCParameter], result: RPCResultDescriptor,
        errors: [RPCErrorCode], cost: RPCCost = .lookup, writes: Bool = false, localOnly: Bool = false,
        handler: @escaping Handler
    ) {
        precondition(!name.isEmpty && name.utf8.count <= RPCLimits.methodNameBytesMax, "method name \(name) out of bounds")
        precondition(Set(params.map(\.name)).count == params.count, "\(name): duplicate parameter names")
        let firstOptional = params.firstIndex { !$0.required } ?? params.count
        precondition(params[firstOptional...].allSatisfy { !$0.required }, "\(name): a required parameter follows an optional one")
        self.name = name
        self.summary = summary
        self.description = description
        self.params = params
        self.result = result
        self.errors = errors
        self.cost = cost
        self.writes = writes
        self.localOnly = localOnly
        self.handler = handler
    }
}

/// A declared parameter: OpenRPC's content descriptor plus the type the engine checks.
public struct RPCParameter: Sendable {
    public let name: String
    public let summary: String
    public let kind: RPCParameterKind
    /// Whether a call must supply it; optional parameters come after required ones (positional calls).
    public let required: Bool

    public init(name: String, summary: String, kind: RPCParameterKind, required: Bool = true) {
        if kind.hasDefault {
            precondition(!required, "\(name): a parameter with a default is optional")
        }
        if case .limit(let maximum, let defaultValue) = kind {
            precondition(1 <= defaultValue && defaultValue <= maximum, "\(name): the default limit must be within 1...maximum")
        }
        self.name = name
        self.summary = summary
        self.kind = kind
        self.required = required
    }

    /// The JSON Schema the OpenRPC document gives for this parameter.
    public var schema: JSONValue {
        switch kind {
        case .hash: return RPCSchemas.reference("Hash")
        case .uint64: return RPCSchemas.reference("Uint64")
        case .bytes(let maxBytes):
            return .object([
                "allOf": .array([RPCSchemas.reference("Bytes"), .object(["maxLength": .number(2 + 2 * maxBytes)])])
            ])
        case .oneOf(let values, let defaultValue): return RPCSchemas.enumeration(values, default: defaultValue)
        case .address: return RPCSchemas.reference("Address")
        case .text(let maxBytes):
            return .object(["type": .string("string"), "maxLength": .number(maxBytes)])
        case .limit(let maximum, let defaultValue):
            return .object([
                "type": .string("integer"), "minimum": .number(1), "maximum": .number(maximum), "default": .number(defaultValue),
            ])
        case .cursor: return RPCSchemas.reference("Cursor")
        case .structured(let schema): return schema
        }
    }

    /// Converts a supplied value, or explains in an invalid-params error why it does not fit.
    func bind(_ value: JSONValue) throws(RPCError) -> RPCArgument {
        switch kind {
        case .hash:
            guard let hash = RPCJSON.hash(from: value) else { throw .invalidParams("\(name) must be 0x + 64 hex digits") }
            return .hash(hash)
        case .uint64:
            guard let number = RPCJSON.uint64(from: value) else {
                throw .invalidParams("\(name) must be an unsigned 64-bit integer (a number or a decimal string)")
            }
            return .uint64(number)
        case .bytes(let maxBytes):
            if case .string(let text) = value, text.utf8.count > 2 + 2 * maxBytes {
                throw .limitExceeded("\(name) bytes", limit: maxBytes, received: max(0, text.utf8.count - 2) / 2)
            }
            guard let bytes = RPCJSON.bytes(from: value, maxBytes: maxBytes) else {
                throw .invalidParams("\(name) must be 0x + an even number of hex digits")
            }
            return .bytes(bytes)
        case .oneOf(let values, _):
            guard case .string(let text) = value, values.contains(text) else {
                throw .invalidParams("\(name) must be one of " + values.map { "\"\($0)\"" }.joined(separator: ", "))
            }
            return .string(text)
        case .address:
            guard let address = RPCJSON.address(from: value) else { throw .invalidParams("\(name) must be 0x + 40 hex digits") }
            return .address(address)
        case .text(let maxBytes):
            guard case .string(let text) = value else { throw .invalidParams("\(name) must be a string") }
            guard text.utf8.count <= maxBytes else {
                throw .limitExceeded("\(name) bytes", limit: maxBytes, received: text.utf8.count)
            }
            return .string(text)
        case .limit(let maximum, _):
            guard let number = RPCJSON.uint64(from: value), number >= 1 else {
                throw .invalidParams("\(name) must be a positive integer")
            }
            guard number <= UInt64(maximum) else {
                throw .limitExceeded(name, limit: maximum, received: Int(clamping: number))
            }
            return .uint64(number)
        case .cursor:
            guard case .string(let text) = value, text.utf8.count <= RPCLimits.cursorCharactersMax else {
                throw .invalidParams("\(name) must be a cursor string from a previous page")
            }
            return .string(text)
        case .structured:
            return .json(value)
        }
    }

    /// The value an absent optional parameter takes, if it has one.
    var defaultArgument: RPCArgument? {
        switch kind {
        case .oneOf(_, let defaultValue?): return .string(defaultValue)
        case .limit(_, let defaultValue): return .uint64(UInt64(defaultValue))
        default: return nil
        }
    }
}

/// The types a parameter can have; each one fixes both its schema and its check.
public enum RPCParameterKind: Sendable {
    /// A 32-byte hash as `0x` + 64 hex digits.
    case hash
    /// An unsigned 64-bit integer as a number or decimal string (`RPCJSON`).
    case uint64
    /// A byte string as `0x` + hex, at most `maxBytes` bytes (longer is −32004, not −32602).
    case bytes(maxBytes: Int)
    /// One of a fixed set of strings, with an optional default for when it is absent.
    case oneOf([String], default: String?)
    /// A 20-byte address as `0x` + 40 hex digits.
    case address
    /// A string of at most `maxBytes` UTF-8 bytes (longer is −32004).
    case text(maxBytes: Int)
    /// A page size from 1 to `max` (more is −32004), `default` when absent.
    case limit(max: Int, default: Int)
    /// An opaque page cursor a previous call returned as `nextCursor`; the handler decodes it.
    case cursor
    /// Any JSON value described by `schema`; the handler checks it and names what is wrong (−32602).
    case structured(schema: JSONValue)

    /// Whether an absent value takes a default (such a parameter must be optional).
    var hasDefault: Bool {
        switch self {
        case .oneOf(_, let defaultValue): return defaultValue != nil
        case .limit: return true
        default: return false
        }
    }
}

/// A method result's OpenRPC content descriptor.
public struct RPCResultDescriptor: Sendable {
    public let name: String
    public let summary: String
    public let schema: JSONValue

    public init(name: String, summary: String, schema: JSONValue) {
        self.name = name
        self.summary = summary
        self.schema = schema
    }
}

/// A bound parameter value.
public enum RPCArgument: Equatable, Sendable {
    case hash(Hash)
    case uint64(UInt64)
    case bytes([UInt8])
    case string(String)
    case address(Address)
    /// A `structured` parameter's value, unchecked.
    case json(JSONValue)
}

/// The checked parameters of one call, by name.
///
/// The accessors throw −32603 rather than trap when a handler asks for a parameter its method did not
/// declare with that type: a programmer error, but one that must not take the node down.
public struct RPCArguments: Sendable {
    let values: [String: RPCArgument]

    /// The hash bound to parameter `name`.
    public func hash(_ name: String) throws(RPCError) -> Hash {
        guard case .hash(let value)? = values[name] else { throw Self.undeclared(name) }
        return value
    }

    /// The integer bound to parameter `name`.
    public func uint64(_ name: String) throws(RPCError) -> UInt64 {
        guard case .uint64(let value)? = values[name] else { throw Self.undeclared(name) }
        return value
    }

    /// The bytes bound to parameter `name`.
    public func bytes(_ name: String) throws(RPCError) -> [UInt8] {
        guard case .bytes(let value)? = values[name] else { throw Self.undeclared(name) }
        return value
    }

    /// The string (an enumeration value) bound to parameter `name`.
    public func string(_ name: String) throws(RPCError) -> String {
        guard case .string(let value)? = values[name] else { throw Self.undeclared(name) }
        return value
    }

    /// The address bound to parameter `name`.
    public func address(_ name: String) throws(RPCError) -> Address {
        guard case .address(let value)? = values[name] else { throw Self.undeclared(name) }
        return value
    }

    /// The JSON value bound to the `structured` parameter `name`.
    public func json(_ name: String) throws(RPCError) -> JSONValue {
        guard case .json(let value)? = values[name] else { throw Self.undeclared(name) }
        return value
    }

    /// The integer bound to optional parameter `name`, or nil when the call left it out.
    public func optionalUInt64(_ name: String) throws(RPCError) -> UInt64? {
        contains(name) ? try uint64(name) : nil
    }

    /// The string bound to optional parameter `name`, or nil when the call left it out.
    public func optionalString(_ name: String) throws(RPCError) -> String? {
        contains(name) ? try string(name) : nil
    }

    /// Whether the call supplied the parameter (or it has a default).
    public func contains(_ name: String) -> Bool { values[name] != nil }

    private static func undeclared(_ name: String) -> RPCError {
        RPCError(.internalError, message: "Internal error: parameter \(name) is not bound with that type")
    }
}

/// What a handler may use besides its arguments.
public struct RPCCallContext: Sendable {
    public let backend: any RPCBackend
    /// The OpenRPC document of the registry serving the call (for `rpc.discover`).
    public let openRPCDocument: JSONValue
    public let logger: Logger
    /// The WebSocket connection the call arrived on; nil over HTTP, where `subscribe` is unavailable.
    var subscriptions: (any SubscriptionHost)? = nil
    /// The node's finalized-block announcements, when the server has them (`tx_sendAndWait` waits on them).
    var chainHead: ChainHead? = nil
    /// Where backend work runs (`RPCWorkExecutor`); nil: on the caller's executor.
    var work: RPCWorkExecutor? = nil
    /// The clock of `tx_sendAndWait`'s timeout and polls (`PollClock`).
    var pollClock: PollClock = .continuous

    /// Runs one backend request on the work executor, mapping its failure to the JSON-RPC error
    /// (`error(from:)`); when the executor has no admission left the call is −32007 (busy) at once.
    ///
    /// The request runs as a child task created with the executor as its preference, so its first job is
    /// enqueued on the work threads: the synchronous storage or VM work before its first suspension never
    /// starts on the caller's thread of the cooperative pool (a preference set around an inline call is
    /// only honoured at the next hop).
    public func ask<Value: Sendable>(
        _ request: @escaping @Sendable (any RPCBackend) async throws(RPCBackendError) -> Value
    ) async throws(RPCError) -> Value {
        let result: Result<Value, RPCBackendError>
        if let work {
            guard work.admit() else { throw .tooManyRequests("busy", retryAfterMs: RPCLimits.busyRetryAfterMs) }
            defer { work.release() }
            let backend = self.backend
            result = await withTaskGroup(of: Result<Value, RPCBackendError>.self) { group in
                group.addTask(executorPreference: work) { await Self.outcome(of: request, on: backend) }
                return await group.next() ?? .failure(.internalFailure("the RPC work task returned nothing"))
            }
        } else {
            result = await Self.outcome(of: request, on: backend)
        }
        switch result {
        case .success(let value): return value
        case .failure(let failure): throw error(from: failure)
        }
    }

    private static func outcome<Value>(
        of request: (any RPCBackend) async throws(RPCBackendError) -> Value, on backend: any RPCBackend
    ) async -> Result<Value, RPCBackendError> {
        do throws(RPCBackendError) {
            return .success(try await request(backend))
        } catch {
            return .failure(error)
        }
    }

    /// Maps a backend failure to its JSON-RPC error; internal details are logged, not returned.
    public func error(from failure: RPCBackendError) -> RPCError {
        switch failure {
        case .unknownBlock(let height, let latestHeight):
            return RPCError(
                .unknownBlock, message: "Unknown block: no block at height \(height); the latest is \(latestHeight)",
                data: .object(["height": RPCJSON.uint64(height), "latestHeight": RPCJSON.uint64(latestHeight)]))
        case .pruned(let height, let lowestRetainedHeight):
            return RPCError(
                .pruned, message: "Pruned: height \(height) is below the lowest retained height \(lowestRetainedHeight)",
                data: .object(["height": RPCJSON.uint64(height), "lowestRetainedHeight": RPCJSON.uint64(lowestRetainedHeight)]))
        case .notFound(let what):
            return RPCError(.notFound, message: "Not found: \(what)")
        case .invalidArgument(let why):
            return .invalidParams(why)
        case .internalFailure(let detail):
            logger.error("RPC backend failure", metadata: ["detail": .string(detail)])
            return RPCError(.internalError)
        }
    }
}
