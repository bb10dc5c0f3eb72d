import ArgumentParser
import Foundation
import WorkshopSupport

/// `generate_token decode TOKEN`: what a token says, whether it is still valid, and whether it verifies.
struct Decode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain a token: header, claims, expiry, and whether the workshop key verifies it.",
        discussion: "Exits 0 when the token verifies and has not expired, 1 when it does not; 2 when it is not a JWT."
    )

    @Argument(help: "The token, or - to read it from standard input.")
    var token: String

    @OptionGroup var keys: KeyOptions

    func run() async throws {
        let text = token == "-" ? (readLine(strippingNewline: true) ?? "") : token
        let explainer = TokenExplainer(token: text.trimmingCharacters(in: .whitespacesAndNewlines))
        guard let header = explainer.header, let claims = explainer.claims else {
            throw ValidationError("That is not a JWT: expected three base64url parts, a JSON header and JSON claims.")
        }
        let now = Int(Date().timeIntervalSince1970)
        print("Header:\n\(pretty(header))\nClaims:\n\(pretty(claims))")
        print(explainer.summary(now: now))
        let desk = try? TokenDesk.open(keys.files, create: false)
        let verified = desk?.verifies(explainer.token) ?? false
        print(verified ? "Signature: verifies with the workshop key (kid \(desk!.kid))." : "Signature: does NOT verify with the workshop key in \(keys.files.directory.path).")
        let expired = (claims["exp"]?.intValue).map { $0 <= now } ?? true
        if !verified || expired { throw ExitCode(1) }
    }

    func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? value.jsonText
    }
}

/// Reads a token without verifying it, to explain it to a person.
struct TokenExplainer {
    let token: String

    private var parts: [Substring] { token.split(separator: ".", omittingEmptySubsequences: false) }
    var header: JSONValue? { parts.count == 3 ? Base64URL.decode(parts[0]).flatMap { try? JSONValue(parsing: $0) } : nil }
    var claims: JSONValue? { parts.count == 3 ? Base64URL.decode(parts[1]).flatMap { try? JSONValue(parsing: $0) } : nil }

    /// Who, for what, for whom, and until when, in a few lines.
    func summary(now: Int) -> String {
        guard let claims else { return "  (not a JWT)" }
        var lines = [
            "  subject:   \(claims["sub"]?.stringValue ?? "-")",
            "  scopes:    \(claims["scope"]?.stringValue ?? "-")",
            "  roles:     \(claims["roles"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? "-")",
            "  audience:  \(claims["aud"].map { $0.stringValue ?? $0.jsonText } ?? "-")",
            "  issuer:    \(claims["iss"]?.stringValue ?? "-")",
        ]
        if let exp = claims["exp"]?.intValue {
            let when = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(exp)))
            let relative = exp > now ? "in \(TokenRules.duration(exp - now))" : "\(TokenRules.duration(now - exp)) ago"
            lines.append("  expires:   \(when) (\(exp > now ? "" : "expired ")\(relative))")
        } else {
            lines.append("  expires:   never (no exp claim: the steps refuse such a token)")
        }
        return lines.joined(separator: "\n")
    }
}
