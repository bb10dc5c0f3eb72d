import Crypto
import CryptoExtras
import Foundation
import WorkshopSupport

/// Builds JWTs of any shape, good or hostile, signed the way a test asks.
enum TokenForge {
    static let audience = WorkshopDefaults.resource
    /// The workshop issuer, unless a test sets another for the tokens it forges.
    @TaskLocal static var issuer = WorkshopDefaults.issuer

    static func now() -> Int { Int(Date().timeIntervalSince1970) }

    static var validHeader: [String: JSONValue] { ["alg": "RS256", "typ": "at+jwt", "kid": .string(TestKeys.kid)] }

    static func validClaims(scope: String = "mcp:read mcp:tools mcp:prompts", subject: String = "alice") -> [String: JSONValue] {
        let now = now()
        return [
            "iss": .string(issuer), "sub": .string(subject), "aud": .string(audience), "exp": .int(now + 600),
            "iat": .int(now), "nbf": .int(now), "jti": .string(UUID().uuidString), "client_id": "tests",
            "scope": .string(scope), "roles": ["user"],
        ]
    }

    enum Signer {
        case rs256(_RSA.Signing.PrivateKey)
        case rs384(_RSA.Signing.PrivateKey)
        case ps256(_RSA.Signing.PrivateKey)
        case es256(P256.Signing.PrivateKey)
        case hs256(Data)
        case unsigned
    }

    static func token(
        header: [String: JSONValue] = validHeader, claims: [String: JSONValue] = validClaims(),
        signer: Signer = .rs256(TestKeys.pair.privateKey)
    ) -> String {
        let input = Base64URL.encode(JSONValue.object(header).encoded()) + "." + Base64URL.encode(JSONValue.object(claims).encoded())
        let data = Data(input.utf8)
        let signature: Data
        switch signer {
        case .rs256(let key): signature = try! key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        case .rs384(let key): signature = try! key.signature(for: SHA384.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        case .ps256(let key): signature = try! key.signature(for: SHA256.hash(data: data), padding: .PSS).rawRepresentation
        case .es256(let key): signature = try! key.signature(for: data).rawRepresentation
        case .hs256(let secret): signature = Data(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: secret)))
        case .unsigned: signature = Data()
        }
        return input + "." + Base64URL.encode(signature)
    }

    /// A token whose header and claims are the JSON texts given, byte for byte, signed RS256 with the test key.
    static func signed(headerText: String, claimsText: String) -> String {
        let input = Base64URL.encode(Data(headerText.utf8)) + "." + Base64URL.encode(Data(claimsText.utf8))
        let signature = try! TestKeys.pair.privateKey.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }

    static func valid(scope: String = "mcp:read mcp:tools mcp:prompts", subject: String = "alice") -> String {
        token(claims: validClaims(scope: scope, subject: subject))
    }

    static func with(claims change: (inout [String: JSONValue]) -> Void) -> String {
        var claims = validClaims()
        change(&claims)
        return token(claims: claims)
    }

    static func with(header change: (inout [String: JSONValue]) -> Void, signer: Signer = .rs256(TestKeys.pair.privateKey)) -> String {
        var header = validHeader
        change(&header)
        return token(header: header, signer: signer)
    }
}
