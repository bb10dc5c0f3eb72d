import HTTPTypes
import Hummingbird
import WorkshopSupport

/// What a request presented in `Authorization`: the only place a token is read from
/// (RFC 6750 §2.1; MCP authorization: never the query string, never the body).
enum BearerCredentials: Equatable {
    case none
    case malformed(String)
    case token(String)

    /// Tokens longer than this are refused before anything parses them.
    static let maxLength = 8192

    init(_ headers: HTTPFields) {
        let values = headers[values: .authorization]
        guard let value = values.first else {
            self = .none
            return
        }
        guard values.count == 1 else {
            self = .malformed("more than one Authorization header")
            return
        }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        // The scheme name is case-insensitive (RFC 9110 §11.1); another scheme is no bearer token.
        guard HTTPSyntax.equalsIgnoringCase(parts[0], "bearer") else {
            self = .none
            return
        }
        // Spaces and tabs around the token are not part of it.
        let token = HTTPSyntax.trimmingWhitespace(parts.count == 2 ? parts[1] : "")
        if token.isEmpty {
            self = .malformed("empty bearer token")
        } else if token.utf8.count > Self.maxLength {
            self = .malformed("bearer token longer than \(Self.maxLength) bytes")
        } else if !HTTPSyntax.isToken68(token) {
            // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (HTTP calls it token68).
            self = .malformed("bearer token has characters outside RFC 6750's b64token")
        } else {
            self = .token(String(token))
        }
    }
}
