import HTTPTypes
import WorkshopSupport

/// One `/mcp` request as the request fuzzer reads its input, and as `fuzz/seeds/request/` is written:
/// optional header lines (the first may be `METHOD /path`), an empty line, then the body. An input
/// that does not start with such a block is all body. `$name` in a header value stands for a token
/// made at start-up, so the committed seeds need no key. fuzz/README.md describes the format.
struct FuzzRequestSeed: Sendable {
    /// What a plain body is sent with: JSON both ways, and the everyday caller's token.
    static let defaultHeaders: [(HTTPField.Name, String)] = [
        (.contentType, "application/json"), (.accept, "application/json, text/event-stream"),
        (.authorization, "Bearer $user"),
    ]

    /// The callers `$name` stands for: one of each kind of token the access policy tells apart.
    static let callers: [String: (subject: String, scope: String, roles: [String]?)] = [
        "user": ("alice", "mcp:read mcp:tools mcp:prompts", ["user"]),
        "bob": ("bob", "mcp:read mcp:tools mcp:prompts", ["user"]),
        "admin": ("root", "mcp:admin", ["admin"]),
        "guest": ("guest", "mcp:read mcp:tools mcp:prompts", ["guest"]),
        "noroles": ("carol", "mcp:read mcp:tools", nil),
        "noscope": ("dave", "", ["user"]),
    ]

    /// The claims of a caller's token, valid for an hour from `now`.
    static func claims(of name: String, issuer: String, audience: String, now: Int) -> [String: JSONValue] {
        let caller = callers[name]!
        var claims: [String: JSONValue] = [
            "iss": .string(issuer), "sub": .string(caller.subject), "aud": .string(audience), "client_id": "fuzz",
            "iat": .int(now), "nbf": .int(now), "exp": .int(now + 3600), "scope": .string(caller.scope),
        ]
        if let roles = caller.roles { claims["roles"] = .array(roles.map { .string($0) }) }
        return claims
    }

    /// The notes every input starts with: one per owner, each text naming its owner, so that a
    /// response showing one to anybody else is caught.
    static let notesFile = """
        [{"createdAt":"2026-01-01T00:00:00Z","id":"alice-note","owner":"alice","text":"text-of-alice-note","title":"Alice"},
         {"createdAt":"2026-01-01T00:00:00Z","id":"bob-note","owner":"bob","text":"text-of-bob-note","title":"Bob"},
         {"createdAt":"2026-01-01T00:00:00Z","id":"root-note","owner":"root","text":"text-of-root-note","title":"Root"}]
        """

    var method: HTTPRequest.Method = .post
    var path = "/mcp"
    var headers = HTTPFields()
    var body: [UInt8]

    init(_ input: [UInt8], substitutions: [String: String]) {
        var lines: [String] = []
        body = input
        // A header block starts with a letter and ends at the first empty line.
        if let first = input.first, Character(Unicode.Scalar(first)).isLetter, first < 0x80,
            let end = Self.emptyLine(in: input)
        {
            lines = String(decoding: input[..<end.start], as: UTF8.self).split(separator: "\n").map {
                String($0.hasSuffix("\r") ? $0.dropLast() : $0)
            }
            body = Array(input[end.bodyStart...])
        }
        if let requestLine = lines.first, let (method, path) = Self.requestLine(requestLine) {
            (self.method, self.path) = (method, path)
            lines.removeFirst()
        }
        var given: [(HTTPField.Name, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), let name = HTTPField.Name(String(line[..<colon])) else { continue }
            // An HTTP parser drops the whitespace around a value, and never passes on a value with CR, LF or NUL.
            let value = Self.substitute(Self.trimmed(line[line.index(after: colon)...]), substitutions)
            if HTTPField.isValidValue(value) { given.append((name, value)) }
        }
        for (name, value) in Self.defaultHeaders where !given.contains(where: { $0.0 == name }) {
            headers.append(HTTPField(name: name, value: Self.substitute(value, substitutions)))
        }
        // A header given with no value is not sent at all: the way to drop a default.
        for (name, value) in given where !value.isEmpty { headers.append(HTTPField(name: name, value: value)) }
    }

    static func emptyLine(in input: [UInt8]) -> (start: Int, bodyStart: Int)? {
        for index in input.indices.dropLast() where input[index] == UInt8(ascii: "\n") {
            if input[index + 1] == UInt8(ascii: "\n") { return (index, index + 2) }
            if input[index + 1] == UInt8(ascii: "\r"), index + 2 < input.count, input[index + 2] == UInt8(ascii: "\n") {
                return (index, index + 3)
            }
        }
        return nil
    }

    /// `GET /mcp`: a method token, one space, a path.
    static func requestLine(_ line: String) -> (HTTPRequest.Method, String)? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].hasPrefix("/"), !parts[1].contains(":"),
            let method = HTTPRequest.Method(String(parts[0]))
        else { return nil }
        return (method, String(parts[1]))
    }

    static func trimmed(_ value: Substring) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(value.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }

    /// Replaces each `$name` that `substitutions` knows; leaves every other `$` as it is.
    static func substitute(_ text: String, _ substitutions: [String: String]) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let name = rest[rest.index(after: dollar)...].prefix { $0.isASCII && ($0.isLetter || $0.isNumber) }
            if let value = substitutions[String(name)] {
                result += value
                rest = rest[name.endIndex...]
            } else {
                result += "$"
                rest = rest[rest.index(after: dollar)...]
            }
        }
        return result + rest
    }
}
