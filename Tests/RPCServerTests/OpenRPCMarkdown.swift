import RPCServer

/// Renders the method, error and type reference of `docs/rpc.md` from an OpenRPC document.
///
/// Lives with the tests because its one job is keeping the documentation equal to what `rpc.discover`
/// serves (`RPCDocumentationTests`).
struct OpenRPCMarkdown {
    let document: JSONValue

    func render() -> String {
        var lines: [String] = []
        lines += methodIndex()
        for method in document["methods"]?.elements ?? [] { lines += section(for: method) }
        lines += errorTable()
        lines += typeSections()
        return lines.joined(separator: "\n") + "\n"
    }

    private func methodIndex() -> [String] {
        var lines = ["## Methods", "", "| Method | Summary |", "|---|---|"]
        for method in document["methods"]?.elements ?? [] {
            let name = method["name"]?.text ?? ""
            lines.append("| [`\(name)`](#\(anchor(name))) | \(cell(method["summary"]?.text ?? "")) |")
        }
        return lines + [""]
    }

    private func section(for method: JSONValue) -> [String] {
        let name = method["name"]?.text ?? ""
        var lines = ["### \(name)", "", method["summary"]?.text ?? "", ""]
        if let description = method["description"]?.text { lines += [description, ""] }
        let params = method["params"]?.elements ?? []
        if params.isEmpty {
            lines += ["Parameters: none.", ""]
        } else {
            lines += ["| Parameter | Type | Required | Description |", "|---|---|---|---|"]
            for param in params {
                let required = param["required"] == .bool(true) ? "yes" : "no"
                lines.append(
                    "| `\(param["name"]?.text ?? "")` | \(cell(type(of: param["schema"] ?? .null))) | \(required) | "
                        + "\(cell(param["summary"]?.text ?? "")) |")
            }
            lines.append("")
        }
        let result = method["result"] ?? .null
        lines += ["Result `\(result["name"]?.text ?? "")`: \(type(of: result["schema"] ?? .null)). \(result["summary"]?.text ?? "")", ""]
        let errors = (method["errors"]?.elements ?? []).map { error in
            let resolved = resolve(error)
            return "\(resolved["code"]?.serializedText ?? "") \(resolved["message"]?.text ?? "")"
        }
        lines += ["Errors: " + (errors.isEmpty ? "none beyond the standard ones." : errors.joined(separator: ", ") + "."), ""]
        return lines
    }

    private func errorTable() -> [String] {
        var lines = ["## Errors", "", "| Code | Message | Meaning |", "|---|---|---|"]
        if case .object(let errors)? = document["components"]?["errors"] {
            for member in errors.members {
                let error = member.value
                lines.append(
                    "| \(error["code"]?.serializedText ?? "") | \(error["message"]?.text ?? "") | \(cell(error["data"]?.text ?? "")) |")
            }
        }
        return lines + [""]
    }

    private func typeSections() -> [String] {
        var lines = ["## Types", ""]
        guard case .object(let schemas)? = document["components"]?["schemas"] else { return lines }
        for member in schemas.members {
            let schema = member.value
            lines += ["### \(member.key)", ""]
            if let description = schema["description"]?.text { lines += [description, ""] }
            if case .object(let properties)? = schema["properties"] {
                let required = (schema["required"]?.elements ?? []).compactMap(\.text)
                lines += ["| Member | Type | Always present |", "|---|---|---|"]
                for property in properties.members {
                    let present = required.contains(property.key) ? "yes" : "no"
                    lines.append("| `\(property.key)` | \(cell(type(of: property.value))) | \(present) |")
                }
                lines.append("")
            } else if let pattern = schema["pattern"]?.text {
                lines += ["A string matching `\(pattern)`.", ""]
            }
        }
        return lines
    }

    /// A short human name for a schema: a linked type name, an enumeration, `[T]`, `T or U`.
    private func type(of schema: JSONValue) -> String {
        if case .string(let reference)? = schema["$ref"] {
            let name = String(reference.split(separator: "/").last ?? "")
            return "[\(name)](#\(anchor(name)))"
        }
        if let values = schema["enum"]?.elements {
            let listed = values.map { "`\($0.serializedText)`" }.joined(separator: " or ")
            return schema["default"].map { "\(listed) (default `\($0.serializedText)`)" } ?? listed
        }
        if let choices = schema["oneOf"]?.elements { return choices.map { type(of: $0) }.joined(separator: " or ") }
        if let parts = schema["allOf"]?.elements {
            let limit = parts.compactMap { $0["maxLength"]?.serializedText }.first
            let names = parts.filter { $0["$ref"] != nil }.map { type(of: $0) }.joined(separator: ", ")
            return limit.map { "\(names), at most \($0) characters" } ?? names
        }
        switch schema["type"] {
        case .string("array")?: return "array of " + type(of: schema["items"] ?? .null)
        case .string(let name)?: return name
        default: return "any"
        }
    }

    private func resolve(_ reference: JSONValue) -> JSONValue {
        guard case .string(let path)? = reference["$ref"], path.hasPrefix("#/") else { return reference }
        var target: JSONValue? = document
        for part in path.dropFirst(2).split(separator: "/") { target = target?[String(part)] }
        return target ?? .null
    }

    /// GitHub's heading anchor for a method or type name.
    private func anchor(_ name: String) -> String {
        String(name.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
    }

    /// Text safe inside a table cell.
    private func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}

extension JSONValue {
    /// The text of a string value.
    var text: String? {
        guard case .string(let text) = self else { return nil }
        return text
    }
}
