import ArgumentParser
import Foundation
import WorkshopIssuer
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
        let text = (token == "-" ? (readLine(strippingNewline: true) ?? "") : token).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let parts = AccessTokenReader.parts(of: text) else {
            throw ValidationError("That is not a JWT: expected three base64url parts, a JSON header and JSON claims.")
        }
        let now = Int(Date().timeIntervalSince1970)
        print("Header:\n\(pretty(parts.header))\nClaims:\n\(pretty(parts.claims))")
        print(TokenSummary(claims: parts.claims).text(now: now))
        let desk = try? TokenDesk.open(keys.files, create: false)
        let verified = desk.map { AccessTokenReader(desk: $0).verifies(text) } ?? false
        print(verified ? "Signature: verifies with the workshop key (kid \(desk!.kid))." : "Signature: does NOT verify with the workshop key in \(keys.files.directory.path).")
        let expired = (parts.claims["exp"]?.intValue).map { $0 <= now } ?? true
        if !verified || expired { throw ExitCode(1) }
    }

    func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? value.jsonText
    }
}
