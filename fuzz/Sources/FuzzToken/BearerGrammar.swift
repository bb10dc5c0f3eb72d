@testable import Step9

/// RFC 6750 §2.1 written out again, independently of `BearerCredentials`, for the harness to compare:
/// `credentials = "Bearer" 1*SP b64token`, with `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
enum BearerGrammar {
    enum Expected: CustomStringConvertible {
        case none, malformed, token(String)

        var description: String {
            switch self {
            case .none: "none"
            case .malformed: "malformed"
            case .token(let token): "token(\(token))"
            }
        }
    }

    static func credentials(_ values: [String]) -> Expected {
        guard let value = values.first else { return .none }
        if values.count > 1 { return .malformed }
        let bytes = Array(value.utf8)
        let scheme = bytes.prefix { $0 != UInt8(ascii: " ") }
        guard String(decoding: scheme, as: UTF8.self).lowercased() == "bearer" else { return .none }
        // 1*SP separates scheme and token; a tab next to the token is tolerated as white space too.
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var token = bytes.dropFirst(scheme.count).drop(while: isSpace)
        while let last = token.last, isSpace(last) { token = token.dropLast() }
        let body = token.prefix { $0 != UInt8(ascii: "=") }
        let padding = token.dropFirst(body.count)
        guard !body.isEmpty, body.allSatisfy(isB64TokenCharacter), padding.allSatisfy({ $0 == UInt8(ascii: "=") }),
            token.count <= BearerCredentials.maxLength
        else { return .malformed }
        return .token(String(decoding: token, as: UTF8.self))
    }

    static func isB64TokenCharacter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || Array("-._~+/".utf8).contains(byte)
    }

    static func same(_ actual: BearerCredentials, _ expected: Expected) -> Bool {
        switch (actual, expected) {
        case (.none, .none), (.malformed, .malformed): true
        case (.token(let a), .token(let b)): a == b
        default: false
        }
    }
}
