import Foundation

/// Finds why Foundation's `JSONDecoder` refused a document that it reports only as "not valid JSON".
///
/// On Linux the decoder gives the same message, with an empty coding path, both for malformed JSON and
/// for a well-formed number that does not fit its field (`-1`, `1.5` or `2^64` for a `UInt64`). An
/// operator who typed `"tickMs": -1` in a genesis file deserves the field's name, so this re-reads the
/// document with `JSONSerialization`: a parse error comes back with its position, and a well-formed
/// document is searched for the first number that is not an unsigned integer.
enum JSONNumberDiagnosis {
    /// Deepest nesting the search descends to; genesis documents nest four levels, and
    /// `JSONSerialization` itself refuses more than 512.
    static let depthMax = 32

    /// A field path (as `GenesisError` writes them) and a reason, or nil when nothing more precise is found.
    static func locate(in data: Data) -> (field: String, reason: String)? {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch let error as NSError {
            let detail = error.userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            return ("$", "not valid JSON: \(detail)")
        }
        return firstNonUnsigned(object, path: "", depth: 0).map { ($0.path.isEmpty ? "$" : $0.path, $0.reason) }
    }

    private static func firstNonUnsigned(_ value: Any, path: String, depth: Int) -> (path: String, reason: String)? {
        guard depth < depthMax else { return nil }
        if let dictionary = value as? [String: Any] {
            for key in dictionary.keys.sorted() {
                let child = path.isEmpty ? key : path + "." + key
                if let dictionaryValue = dictionary[key], let found = firstNonUnsigned(dictionaryValue, path: child, depth: depth + 1) {
                    return found
                }
            }
            return nil
        }
        if let array = value as? [Any] {
            for (index, element) in array.enumerated() {
                if let found = firstNonUnsigned(element, path: path + "[\(index)]", depth: depth + 1) { return found }
            }
            return nil
        }
        guard let number = value as? NSNumber, !(value is Bool), !isBoolean(number) else { return nil }
        return unsignedProblem(number).map { (path, "\(number) \($0)") }
    }

    /// Why `number` is not a whole number in 0...UInt64.max, or nil when it is one.
    private static func unsignedProblem(_ number: NSNumber) -> String? {
        let type = String(cString: number.objCType)
        if number is NSDecimalNumber || type == "d" || type == "f" {
            let double = number.doubleValue
            guard double.rounded() == double else { return "is not a whole number" }
            if double < 0 { return "is negative; expected an unsigned integer" }
            return double >= 0x1p64 ? "is too large; the largest allowed is 2^64 - 1" : nil
        }
        return number.int64Value < 0 && type != "Q" ? "is negative; expected an unsigned integer" : nil
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}
