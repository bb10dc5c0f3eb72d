import Foundation
import Testing
import WorkshopSupport

/// `HTTPSyntax` reads header values byte by byte for speed; each function must answer exactly what
/// the obvious Foundation version answers.
@Suite("HTTP header syntax, held to Foundation")
struct HTTPSyntaxTests {
    /// Header values made of the characters that matter here, and a few that must not confuse the scan.
    static func randomValues(count: Int) -> [String] {
        let pieces = [
            "application", "APPLICATION", "Application", "json", "JSON", "/", "*", ";", ",", " ", "\t", "=", "charset=utf-8",
            "q=0.9", "text", "html", "a", "Z", "0", "-", ".", "_", "~", "+", "é", "\u{301}", "İ", "\u{212A}",
        ]
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
        }
    }

    static let fixed = [
        "", " ", "application/json", "application/json; charset=utf-8", " Application/JSON ;x=y", "\tapplication/json\t",
        "application/jsonx", "application /json", "application/json,", "text/html, application/json", "text/html,application/*;q=0.1",
        "*/*", " */* ", "application/xml", "text/*", "image/png, text/html", "application/json\u{301}", ";application/json",
        "application/JSON;", ",,", "APPLICATION/*", "application/ *",
    ]

    @Test("trimmingWhitespace drops spaces and tabs around a value, nothing else")
    func trimming() {
        for value in Self.fixed + Self.randomValues(count: 2000) {
            #expect(String(HTTPSyntax.trimmingWhitespace(value[...])) == HTTPSyntaxOracle.trimmingWhitespace(value), "\(value.debugDescription)")
        }
    }

    @Test("mediaType(of:is:) agrees with split, trim and lowercase")
    func mediaTypes() {
        for value in Self.fixed + Self.randomValues(count: 2000) {
            for type in ["application/json", "text/html"] {
                #expect(HTTPSyntax.mediaType(of: value, is: type) == (HTTPSyntaxOracle.mediaType(value) == type), "\(value.debugDescription) is \(type)")
            }
        }
    }

    @Test("accept(_:allows:) agrees with the ranges type, major/* and */*")
    func acceptRanges() {
        for value in Self.fixed + Self.randomValues(count: 2000) {
            #expect(
                HTTPSyntax.accept(value, allows: "application/json") == HTTPSyntaxOracle.accept(value, allows: "application/json"),
                "Accept: \(value.debugDescription)")
        }
    }

    @Test("equalsIgnoringCase ignores the case of ASCII letters only")
    func caseOfLetters() {
        for value in ["bearer", "Bearer", "BEARER", "bEaReR", "bearer ", "bearerx", "beare", "", "b\u{212A}arer", "BEARER\u{301}"] {
            let expected = value.unicodeScalars.allSatisfy(\.isASCII) && value.lowercased() == "bearer"
            #expect(HTTPSyntax.equalsIgnoringCase(value[...], "bearer") == expected, "\(value.debugDescription)")
        }
    }

    @Test("isToken68 accepts RFC 9110's token68, padding only at the end")
    func token68() {
        let values = ["abc", "a.b.c", "a-b_c~d+e/f", "abc=", "abc==", "=", "=abc", "ab=c", "a b", "", "abc\u{301}", "é", "a\tb", "abc=="]
        for value in values + Self.randomValues(count: 2000) {
            #expect(HTTPSyntax.isToken68(value[...]) == HTTPSyntaxOracle.isToken68(value), "\(value.debugDescription)")
        }
        // A slice of a longer string, as the bearer header hands it over.
        let header = "Bearer abc.def="
        #expect(HTTPSyntax.isToken68(header.dropFirst(7)))
        #expect(!HTTPSyntax.isToken68(header.dropFirst(6)))
    }
}
