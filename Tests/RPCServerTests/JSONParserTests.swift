import RPCServer
import Testing

@Suite("JSON parser and serializer")
struct JSONParserTests {
    @Test(
        "valid JSON parses and round-trips through the serializer",
        arguments: [
            "null", "true", "false", "0", "-0", "12", "-12.5e+3", "1E-2", "18446744073709551616", #""""#, #""a\"b\\c""#,
            "[]", "{}", #"[1, [2, [3]], {"a": {"b": null}}]"#, #"{"é": "日本", "emoji": "🙂"}"#, " \t\r\n[ 1 , 2 ]\n",
        ])
    func roundTrip(text: String) throws {
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(try JSONParser.parse(value.serialized()) == value)
        #expect(try JSONParser.parse(Array(value.formatted().utf8)) == value)
    }

    @Test(
        "invalid JSON is rejected",
        arguments: [
            "", "nul", "tru", "[1,]", "[1 2]", #"{"a" 1}"#, #"{"a": 1,}"#, "{a: 1}", "'a'", "01", "1.", ".5", "-", "1e", "+1",
            "NaN", "Infinity", "[", "]", #""abc"#, "\"a\u{01}b\"", #""\x""#, #""\u12""#, #""\uD800""#, #""\uDC00x""#,
            #""\uD800\u0041""#, "// comment\n1", "1 2", #"{"a": 1, "a": 2}"#,
        ])
    func rejects(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("strings without escapes decode whole, a string with one after a long plain run too, and bad UTF-8 is refused")
    func plainStrings() throws {
        let hex = String(repeating: "0123456789abcdef", count: 64)
        #expect(try JSONParser.parse(Array("[\"\(hex)\", \"\", \"é🙂\"]".utf8)) == .array([.string(hex), .string(""), .string("é🙂")]))
        #expect(try JSONParser.parse(Array("\"\(hex)\\n\(hex)\"".utf8)) == .string(hex + "\n" + hex))
        #expect(throws: JSONParseError.invalidUTF8(offset: 1)) { try JSONParser.parse([UInt8(ascii: "["), 0x22, 0x61, 0xFF, 0x22, 0x5D]) }
        #expect(throws: JSONParseError.invalidString(offset: 3)) { try JSONParser.parse([0x22, 0x61, 0x62, 0x0A, 0x22]) }
    }

    @Test("escapes decode, including surrogate pairs")
    func escapes() throws {
        let value = try JSONParser.parse(Array(#""\"\\\/\b\f\n\r\t\u0041\u00e9\uD83D\uDE42""#.utf8))
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\tAé🙂"))
    }

    @Test("control characters are escaped on output")
    func controlCharacters() throws {
        let value = JSONValue.string("a\u{00}b\u{1F}\n\"\\")
        #expect(String(decoding: value.serialized(), as: UTF8.self) == #""a\u0000b\u001f\n\"\\""#)
        #expect(try JSONParser.parse(value.serialized()) == value)
    }

    @Test("numbers keep their literal text")
    func numberText() throws {
        let value = try JSONParser.parse(Array("[1.50, 1e400, 123456789012345678901234567890]".utf8))
        #expect(String(decoding: value.serialized(), as: UTF8.self) == "[1.50,1e400,123456789012345678901234567890]")
    }

    @Test("nesting is limited")
    func depth() throws {
        let atLimit = String(repeating: "[", count: RPCLimits.jsonDepthMax) + String(repeating: "]", count: RPCLimits.jsonDepthMax)
        _ = try JSONParser.parse(Array(atLimit.utf8))
        let over = "[" + atLimit + "]"
        #expect(throws: JSONParseError.depthExceeded(limit: RPCLimits.jsonDepthMax)) { try JSONParser.parse(Array(over.utf8)) }
    }

    @Test("object equality ignores member order; serialization keeps it")
    func memberOrder() throws {
        let first = try JSONParser.parse(Array(#"{"a": 1, "b": [true]}"#.utf8))
        let second = try JSONParser.parse(Array(#"{"b": [true], "a": 1}"#.utf8))
        #expect(first == second)
        #expect(first.serialized() != second.serialized())
        #expect(first != (try JSONParser.parse(Array(#"{"a": 1}"#.utf8))))
    }
}
