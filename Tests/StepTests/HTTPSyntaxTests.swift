import Foundation
import Testing
import WorkshopSupport

/// `HTTPSyntax` reads header values byte by byte for speed; each function must answer exactly what
/// the obvious Foundation version answers.
@Suite("HTTP header syntax, held to Foundation")
struct HTTPSyntaxTests {
    /// The obvious versions, written as the RFCs read.
    enum Oracle {
        static let whitespace = CharacterSet(charactersIn: " \t")

        static func trimmingWhitespace(_ value: String) -> String {
            String(String.UnicodeScalarView(value.unicodeScalars.drop { whitespace.contains($0) }.reversed().drop { whitespace.contains($0) }.reversed()))
        }

        static func mediaType(_ value: String) -> String {
            let type = value.unicodeScalars.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.UnicodeScalarView.init)
            return trimmingWhitespace(String(type ?? "".unicodeScalars)).lowercased()
        }

        static func accept(_ accept: String, allows type: String) -> Bool {
            let major = type.split(separator: "/")[0]
            return accept.unicodeScalars.split(separator: ",", omittingEmptySubsequences: false)
                .map { mediaType(String(String.UnicodeScalarView($0))) }
                .contains { [type, "\(major)/*", "*/*"].contains($0) }
        }

        static func isToken68(_ value: String) -> Bool {
            let alphabet = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/")
            let body = value.unicodeScalars.prefix { $0 != "=" }
            let padding = value.unicodeScalars.dropFirst(body.count)
            return !body.isEmpty && body.allSatisfy(alphabet.contains) && padding.allSatisfy { $0 == "=" }
        }
    }

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
            #expect(String(HTTPSyntax.trimmingWhitespace(value[...])) == Oracle.trimmingWhitespace(value), "\(value.debugDescription)")
        }
    }

    @Test("mediaType(of:is:) agrees with split, trim and lowercase")
    func mediaTypes() {
        for value in Self.fixed + Self.randomValues(count: 2000) {
            for type in ["application/json", "text/html"] {
                #expect(HTTPSyntax.mediaType(of: value, is: type) == (Oracle.mediaType(value) == type), "\(value.debugDescription) is \(type)")
            }
        }
    }

    @Test("accept(_:allows:) agrees with the ranges type, major/* and */*")
    func acceptRanges() {
        for value in Self.fixed + Self.randomValues(count: 2000) {
            #expect(
                HTTPSyntax.accept(value, allows: "application/json") == Oracle.accept(value, allows: "application/json"),
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
            #expect(HTTPSyntax.isToken68(value[...]) == Oracle.isToken68(value), "\(value.debugDescription)")
        }
        // A slice of a longer string, as the bearer header hands it over.
        let header = "Bearer abc.def="
        #expect(HTTPSyntax.isToken68(header.dropFirst(7)))
        #expect(!HTTPSyntax.isToken68(header.dropFirst(6)))
    }
}
