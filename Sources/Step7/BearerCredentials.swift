import HTTPTypes
import Hummingbird

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
        // The scheme name is case-insensitive (RFC 9110 §11.1: OR-ing 0x20 lowercases an ASCII letter);
        // another scheme is no bearer token.
        guard parts[0].utf8.elementsEqual("bearer".utf8, by: { ($0 | 0x20) == $1 }) else {
            self = .none
            return
        }
        var token = parts.count == 2 ? parts[1] : ""
        // Spaces and tabs around the token are not part of it; Foundation's trimming cost more than verifying.
        while token.first == " " || token.first == "\t" { token = token.dropFirst() }
        while token.last == " " || token.last == "\t" { token = token.dropLast() }
        if token.isEmpty {
            self = .malformed("empty bearer token")
        } else if token.utf8.count > Self.maxLength {
            self = .malformed("bearer token longer than \(Self.maxLength) bytes")
        } else if !Self.isB64Token(token.utf8) {
            self = .malformed("bearer token has characters outside RFC 6750's b64token")
        } else {
            self = .token(String(token))
        }
    }

    /// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    static func isB64Token(_ bytes: some Collection<UInt8>) -> Bool {
        // A token is checked on every request: scan its bytes in place, without index checks, when they are contiguous.
        if let result = bytes.withContiguousStorageIfAvailable({ isB64Token(scanning: $0) }) { return result }
        return isB64Token(scanning: bytes)
    }

    private static func isB64Token(scanning bytes: some Collection<UInt8>) -> Bool {
        // "=" is only padding: it may end the token, after at least one other character, never sit inside it.
        var characters = 0
        var padding = false
        for byte in bytes {
            if byte == UInt8(ascii: "=") {
                guard characters > 0 else { return false }
                padding = true
            } else if padding || !isTokenCharacter(byte) {
                return false
            } else {
                characters += 1
            }
        }
        return characters > 0
    }

    /// One character of b64token: its alphabet, or the "=" of its padding.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"),
            UInt8(ascii: "="):
            true
        default:
            false
        }
    }
}
