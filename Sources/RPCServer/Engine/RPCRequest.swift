/// A request object that passed JSON-RPC 2.0 §4's structural checks.
struct RPCRequest: Sendable {
    /// The id to echo; nil when the member is absent, which makes the request a notification (§4.1).
    let id: JSONValue?
    let method: String
    /// The `params` member: an array (positional) or an object (named), or nil when absent.
    let params: JSONValue?

    var isNotification: Bool { id == nil }

    /// Why a value is not a request, with the id to answer with (null unless a valid id was found).
    struct Invalid: Error {
        let id: JSONValue
        let error: RPCError
    }

    /// Checks a single request value (JSON-RPC 2.0 §4): an object with `"jsonrpc": "2.0"`, a string `method`,
    /// `params` an array or object when present, and an `id` that is a string, number or null when present.
    ///
    /// Members other than these four are ignored. When the id itself is valid it is echoed in the error even
    /// if another member is wrong; otherwise the error's id is null (§5).
    static func parse(_ value: JSONValue) throws(Invalid) -> RPCRequest {
        guard case .object(let object) = value else {
            throw Invalid(id: .null, error: .invalidRequest("a request must be an object, got \(value.typeName)"))
        }
        let id = object["id"]
        switch id {
        case nil, .null?, .string?, .number?: break
        case let other?:
            throw Invalid(id: .null, error: .invalidRequest("id must be a string, a number or null, got \(other.typeName)"))
        }
        let echoedID = id ?? .null
        guard case .string("2.0")? = object["jsonrpc"] else {
            throw Invalid(id: echoedID, error: .invalidRequest("jsonrpc must be exactly \"2.0\""))
        }
        guard case .string(let method)? = object["method"] else {
            throw Invalid(id: echoedID, error: .invalidRequest("method must be a string"))
        }
        let params = object["params"]
        switch params {
        case nil, .array?, .object?: break
        case let other?:
            throw Invalid(id: echoedID, error: .invalidRequest("params must be an array or an object, got \(other.typeName)"))
        }
        return RPCRequest(id: id, method: method, params: params)
    }
}

extension RPCMethod {
    /// Binds positional or named params to the declared parameters and checks every value (−32602 otherwise).
    ///
    /// Positional params fill declared parameters in order; named params must all be declared. A `null`
    /// value counts as absent, so an optional parameter can be skipped positionally. Defaults fill in for
    /// absent optional parameters.
    func bind(_ params: JSONValue?) throws(RPCError) -> RPCArguments {
        var supplied: [String: JSONValue] = [:]
        switch params {
        case nil: break
        case .array(let values)?:
            guard values.count <= self.params.count else {
                throw .invalidParams("\(name) takes at most \(self.params.count) parameters, got \(values.count)")
            }
            for (parameter, value) in zip(self.params, values) { supplied[parameter.name] = value }
        case .object(let object)?:
            for key in object.keys where !self.params.contains(where: { $0.name == key }) {
                throw .invalidParams("\(name) has no parameter \"\(key)\"")
            }
            for member in object.members { supplied[member.key] = member.value }
        case let other?:
            throw .invalidParams("params must be an array or an object, got \(other.typeName)")
        }
        var values: [String: RPCArgument] = [:]
        for parameter in self.params {
            if let value = supplied[parameter.name], value != .null {
                values[parameter.name] = try parameter.bind(value)
            } else if parameter.required {
                throw .invalidParams("missing required parameter \(parameter.name)")
            } else if let defaultValue = parameter.defaultArgument {
                values[parameter.name] = defaultValue
            }
        }
        return RPCArguments(values: values)
    }
}
