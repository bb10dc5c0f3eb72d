import Foundation

/// What `HTTPSyntax` must answer, written the obvious way, with Foundation's splitting, trimming and
/// lowercasing: `HTTPSyntaxTests` and the request fuzzer hold it to these.
enum HTTPSyntaxOracle {
    static let whitespace = CharacterSet(charactersIn: " \t")

    static func trimmingWhitespace(_ value: String) -> String {
        let scalars = value.unicodeScalars.drop { whitespace.contains($0) }.reversed().drop { whitespace.contains($0) }
        return String(String.UnicodeScalarView(scalars.reversed()))
    }

    static func mediaType(_ value: String) -> String {
        let type = value.unicodeScalars.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return trimmingWhitespace(String(String.UnicodeScalarView(type))).lowercased()
    }

    static func accept(_ accept: String, allows type: String) -> Bool {
        let major = type.split(separator: "/")[0]
        return accept.unicodeScalars.split(separator: ",", omittingEmptySubsequences: false)
            .map { mediaType(String(String.UnicodeScalarView($0))) }
            .contains { [type, "\(major)/*", "*/*"].contains($0) }
    }

    static func isToken68(_ value: String) -> Bool {
        let alphabet = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
            .union(CharacterSet(charactersIn: "-._~+/"))
        let body = value.unicodeScalars.prefix { $0 != "=" }
        let padding = value.unicodeScalars.dropFirst(body.count)
        return !body.isEmpty && body.allSatisfy(alphabet.contains) && padding.allSatisfy { $0 == "=" }
    }
}
