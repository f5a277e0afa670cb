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
    let handler: Handler

    public init(
        name: String, summary: String, description: String = "", params: [RPCParameter], result: RPCResultDescriptor,
        errors: [RPCErrorCode], handler: @escaping Handler
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
        if case .oneOf(_, let defaultValue) = kind, defaultValue != nil {
            precondition(!required, "\(name): a parameter with a default is optional")
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
        }
    }

    /// The value an absent optional parameter takes, if it has one.
    var defaultArgument: RPCArgument? {
        if case .oneOf(_, let defaultValue?) = kind { return .string(defaultValue) }
        return nil
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
        case .internalFailure(let detail):
            logger.error("RPC backend failure", metadata: ["detail": .string(detail)])
            return RPCError(.internalError)
        }
    }
}
