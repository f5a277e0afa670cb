import RPCServer

/// Checks a JSON value against the JSON Schema subset the OpenRPC document uses.
///
/// Supports `$ref` into `components.schemas` and `components.errors`, `type`, `properties`, `required`,
/// `items`, `oneOf`, `allOf`, `enum`, `pattern`, `minimum`, `maximum` and `maxLength`; any other keyword
/// is reported as unsupported so the document cannot silently use one the test ignores.
struct SchemaValidator {
    let document: JSONValue

    static let annotations: Set<String> = ["title", "description", "default", "$ref"]
    static let keywords: Set<String> = [
        "type", "properties", "required", "items", "oneOf", "allOf", "enum", "pattern", "minimum", "maximum", "maxLength",
    ]

    /// Follows a `$ref` (several times if needed); other schemas are returned unchanged.
    func resolve(_ schema: JSONValue) -> JSONValue {
        guard case .string(let reference)? = schema["$ref"], reference.hasPrefix("#/") else { return schema }
        var target: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") { target = target?[String(part)] }
        guard let target else { return .null }
        return resolve(target)
    }

    /// Every way `value` breaks `schema`, each prefixed with a path; empty when it conforms.
    func problems(_ value: JSONValue, against reference: JSONValue, at path: String) -> [String] {
        let schema = resolve(reference)
        guard case .object(let object) = schema else { return ["\(path): schema \(reference.formatted()) does not resolve"] }
        var found: [String] = []
        for key in object.keys where !Self.keywords.contains(key) && !Self.annotations.contains(key) {
            found.append("\(path): unsupported schema keyword \(key)")
        }
        if let type = object["type"], !matches(value, type: type) {
            found.append("\(path): \(value.typeName) is not \(type.serializedText)")
        }
        found += objectProblems(value, object, at: path)
        found += combinationProblems(value, object, at: path)
        found += scalarProblems(value, object, at: path)
        return found
    }

    private func matches(_ value: JSONValue, type: JSONValue) -> Bool {
        switch type {
        case .string("integer"):
            guard case .number(let number) = value else { return false }
            return !number.text.contains(".") && !number.text.lowercased().contains("e")
        case .string(let name): return value.typeName == name
        case .array(let names): return names.contains { matches(value, type: $0) }
        default: return false
        }
    }

    private func objectProblems(_ value: JSONValue, _ schema: JSONObject, at path: String) -> [String] {
        var found: [String] = []
        if case .object(let object) = value {
            for case .string(let name) in schema["required"]?.elements ?? [] where object[name] == nil {
                found.append("\(path): missing required member \(name)")
            }
            if case .object(let properties)? = schema["properties"] {
                for member in object.members {
                    guard let property = properties[member.key] else {
                        found.append("\(path): member \(member.key) is not in the schema")
                        continue
                    }
                    found += problems(member.value, against: property, at: path + "." + member.key)
                }
            }
        }
        if case .array(let elements) = value, let items = schema["items"] {
            for (index, element) in elements.enumerated() { found += problems(element, against: items, at: "\(path)[\(index)]") }
        }
        return found
    }

    private func combinationProblems(_ value: JSONValue, _ schema: JSONObject, at path: String) -> [String] {
        var found: [String] = []
        if let choices = schema["oneOf"]?.elements {
            let matching = choices.filter { problems(value, against: $0, at: path).isEmpty }.count
            if matching != 1 { found.append("\(path): matches \(matching) of oneOf's \(choices.count) schemas, not exactly one") }
        }
        for part in schema["allOf"]?.elements ?? [] { found += problems(value, against: part, at: path) }
        if let allowed = schema["enum"]?.elements, !allowed.contains(value) {
            found.append("\(path): \(value.serializedText) is not one of \(allowed.map(\.serializedText))")
        }
        return found
    }

    private func scalarProblems(_ value: JSONValue, _ schema: JSONObject, at path: String) -> [String] {
        var found: [String] = []
        if case .string(let text) = value {
            if case .string(let pattern)? = schema["pattern"] {
                do {
                    if try Regex(pattern).firstMatch(in: text) == nil { found.append("\(path): \"\(text)\" does not match \(pattern)") }
                } catch {
                    found.append("\(path): pattern \(pattern) is not a regular expression")
                }
            }
            if case .number(let limit)? = schema["maxLength"], let maximum = Int(limit.text), text.count > maximum {
                found.append("\(path): longer than \(maximum)")
            }
        }
        if case .number(let number) = value, let actual = number.uint64Value {
            if case .number(let limit)? = schema["minimum"], let minimum = limit.uint64Value, actual < minimum {
                found.append("\(path): \(actual) is below \(minimum)")
            }
            if case .number(let limit)? = schema["maximum"], let maximum = limit.uint64Value, actual > maximum {
                found.append("\(path): \(actual) is above \(maximum)")
            }
        }
        return found
    }
}

extension JSONValue {
    var serializedText: String { String(decoding: serialized(), as: UTF8.self) }
}
