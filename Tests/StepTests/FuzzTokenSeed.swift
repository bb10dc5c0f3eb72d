import Crypto
import CryptoExtras
import Foundation
import HTTPTypes
import WorkshopSupport

/// What the token fuzzer reads, and how `fuzz/seeds/token/` is written. Either each line is one
/// `Authorization` value, with `$name` standing for a token made at start-up; or, after a first line
/// `jwt`, the lines are a JOSE header, a claims set and a signature instruction, which the harness
/// encodes and signs, so that mutations of the JSON reach the checks behind the signature.
/// fuzz/README.md describes the format.
struct FuzzTokenSeed {
    /// The keys a structured input is signed with, and the values its placeholders stand for.
    struct Signing {
        let trusted: _RSA.Signing.PrivateKey
        let attacker: _RSA.Signing.PrivateKey
        /// `$kid`, `$iss`, `$aud`, `$now`, `$soon`, ... and the ready-made tokens.
        let substitutions: [String: String]
    }

    /// The `Authorization` values the input stands for; lines a server could never receive are left out.
    var authorizations: [String] = []
    /// True when the input builds a token the trusted key did not sign: it must never be accepted.
    var forged = false

    init(_ input: [UInt8], signing: Signing) {
        let text = String(decoding: input, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.first == "jwt" else {
            authorizations = lines.map { FuzzRequestSeed.substitute($0, signing.substitutions) }
                .filter(HTTPField.isValidValue)
            return
        }
        lines.removeFirst()
        let parts = lines.prefix(2).map { FuzzRequestSeed.substitute($0, signing.substitutions) }
        let header = Base64URL.encode(Data((parts.first ?? "").utf8))
        let claims = Base64URL.encode(Data((parts.dropFirst().first ?? "").utf8))
        let instruction = lines.count > 2 ? lines[2...].joined(separator: "\n") : "sign"
        let input = Data("\(header).\(claims)".utf8)
        forged = instruction != "sign"
        let signature: String
        switch instruction {
        case "sign": signature = Self.rs256(input, signing.trusted)
        case "attacker": signature = Self.rs256(input, signing.attacker)
        case "none": signature = ""
        // RFC 8725 §2.1's confusion attack: the RSA public key used as an HMAC secret.
        case "hs256":
            let secret = SymmetricKey(data: Data(signing.trusted.publicKey.pemRepresentation.utf8))
            signature = Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: input, using: secret)))
        default: signature = instruction
        }
        let value = "Bearer \(header).\(claims).\(signature)"
        if HTTPField.isValidValue(value) { authorizations = [value] }
    }

    /// An RS256 access token with the workshop's header, as an issuer would sign it.
    static func token(claims: [String: JSONValue], kid: String, key: _RSA.Signing.PrivateKey) -> String {
        let header: JSONValue = ["alg": "RS256", "typ": "at+jwt", "kid": .string(kid)]
        let input = Base64URL.encode(header.encoded()) + "." + Base64URL.encode(JSONValue.object(claims).encoded())
        return input + "." + rs256(Data(input.utf8), key)
    }

    static func rs256(_ input: Data, _ key: _RSA.Signing.PrivateKey) -> String {
        let signature = try! key.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
        return Base64URL.encode(signature.rawRepresentation)
    }

    /// The placeholders for the claims of a structured input: the trusted values, and times around `now`.
    static func claimSubstitutions(kid: String, issuer: String, audience: String, now: Int) -> [String: String] {
        [
            "kid": kid, "iss": issuer, "aud": audience, "now": "\(now)", "soon": "\(now + 600)",
            "later": "\(now + 3600)", "past": "\(now - 3600)",
        ]
    }
}
