import Foundation
import Testing
import WorkshopSupport

/// `JSONValue` parses and writes JSON by hand, for speed; `JSONDecoder` and `JSONEncoder` are the
/// reference it must agree with, on good and hostile text alike.
@Suite("JSONValue parsing and writing")
struct JSONValueTests {
    static func reference(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    static func referenceText(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }

    static let texts: [String] = [
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}"#,
        "null", "true", "false", "0", "-0", "1", "-1", "1.0", "1.5", "-2.25", "1e2", "1E2", "1e-2", "2.5e+3",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "12345678901234567890", "1e400", "-1e400",
        #""""#, #""a\"b\\c\/d\b\f\n\r\t""#, #""\u00e9\u0041\uD83D\uDE00""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#,
        #""é😀""#, "\"\u{1}\"", #""\x""#, #""\u12""#, "[]", "{}", "[1,2,[3,{}]]", #"{"a":1,"a":2}"#, #"{"b":{"c":[null]}}"#,
        " [ 1 , 2 ] ", "\t{\n\"a\"\r:1}", "[,1]", "{\"a\"}", "{\"a\":}", "{a:1}", "01", "-", "1.", ".5",
        "1e", "+1", "NaN", "Infinity", "tru", "nul", "[1] x", "", " ", "[", "{", "\"", "\u{FEFF}1", "'a'", "[1 2]",
    ]

    @Test("parsing agrees with JSONDecoder: same value, or both refuse", arguments: texts)
    func parsingAgrees(text: String) {
        #expect((try? JSONValue(parsing: Data(text.utf8))) == Self.reference(text))
    }

    @Test("a trailing comma is refused (RFC 8259 §4-5), though JSONDecoder lets it pass", arguments: ["[1,]", #"{"a":1,}"#, "[[],]"])
    func trailingCommaIsRefused(text: String) {
        #expect((try? JSONValue(parsing: Data(text.utf8))) == nil)
    }

    @Test("parsingUniqueKeys refuses a member named twice, at any depth; parsing keeps the first")
    func uniqueKeys() throws {
        for text in [#"{"a":1,"a":2}"#, #"{"b":{"a":1,"a":1}}"#, #"[{"a":1,"a":2}]"#] {
            #expect((try? JSONValue(parsingUniqueKeys: Data(text.utf8))) == nil)
            #expect((try? JSONValue(parsing: Data(text.utf8))) != nil)
        }
        #expect(try JSONValue(parsingUniqueKeys: Data(#"{"a":{"a":1},"b":[{"a":2}]}"#.utf8))["a"] == ["a": 1])
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        for bytes in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] as [[UInt8]] {
            #expect((try? JSONValue(parsing: Data(bytes))) == nil)
        }
    }

    @Test("deep nesting is refused, not a stack overflow")
    func deepNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect((try? JSONValue(parsing: Data(deep.utf8))) == nil)
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONValue(parsing: Data(fine.utf8))) != nil)
    }

    @Test("writing agrees with JSONEncoder byte for byte, and what is written parses back")
    func writingAgrees() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let value = Self.randomValue(depth: 0, using: &generator)
            #expect(value.jsonText == Self.referenceText(value))
            #expect((try? JSONValue(parsing: value.encoded())) == Self.reference(value.jsonText))
        }
    }

    static func randomValue(depth: Int, using generator: inout SystemRandomNumberGenerator) -> JSONValue {
        let strings = ["", "a", "B", "_meta", "é", "😀", "q\"\\/\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}", "a10", "a2", "\u{2028}"]
        switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int.random(in: Int.min...Int.max, using: &generator))
        case 3: return .double([1.5, 0.1, 1e20, 1e-7, 12345678.9, 1e300, 2.5e-5].randomElement(using: &generator)!)
        case 4: return .string(strings.randomElement(using: &generator)!)
        case 5: return .array((0..<Int.random(in: 0..<4, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<4, using: &generator) {
                members[strings.randomElement(using: &generator)!] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(members)
        }
    }
}
