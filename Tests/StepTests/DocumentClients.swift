import Crypto
import CryptoExtras
import Foundation
import WorkshopSupport

@testable import WorkshopIssuer

/// What the tests of clients known by their metadata documents share: an issuer that trusts the test CA
/// and `localhost` (as the workshop trusts its own loopback documents), documents, and signed assertions.
extension IssuerHarness {
    /// An issuer for documents served by `DocumentHost`, with a fetch timeout short enough for tests.
    static func documentSettings(clock: TestClock = TestClock(), change: (inout IssuerSettings) -> Void = { _ in }) -> IssuerSettings {
        settings(clock: clock) { settings in
            settings.documents.trustedHosts = ["localhost"]
            settings.documents.extraRoots = [TestCA.trusted.root]
            settings.documents.timeout = .seconds(2)
            change(&settings)
        }
    }

    /// A public client's document for `url`: its name, loopback redirect URIs, `none`.
    static func document(
        _ url: String, name: String = "Test app", redirectURIs: [String] = ["http://127.0.0.1/callback"], _ extra: [String: JSONValue] = [:]
    ) -> JSONValue {
        var document: [String: JSONValue] = [
            "client_id": .string(url), "client_name": .string(name), "redirect_uris": .array(redirectURIs.map { .string($0) }),
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"], "token_endpoint_auth_method": "none",
        ]
        document.merge(extra) { _, new in new }
        return .object(document)
    }

    /// The authorization request's answer: GET /authorize, as JSON unless `html`.
    func authorizationPage(_ clientID: String, redirectURI: String? = nil, html: Bool = false, scope: String? = nil) async throws -> Reply {
        var query = [
            ("response_type", "code"), ("client_id", clientID), ("code_challenge", Self.challenge(Self.verifier())),
            ("code_challenge_method", "S256"),
        ]
        if let redirectURI { query.append(("redirect_uri", redirectURI)) }
        if let scope { query.append(("scope", scope)) }
        return try await send(.get, "/authorize?" + FormParameters.encode(query), headers: html ? [.accept: "text/html"] : [:])
    }

    /// Signs in as `username` and returns the code and its verifier, or the answer when there is no code.
    func code(_ clientID: String, redirectURI: String, username: String = "alice", scope: String? = nil) async throws -> (code: String, verifier: String)? {
        let verifier = Self.verifier()
        var extra = [("redirect_uri", redirectURI)]
        if let scope { extra.append(("scope", scope)) }
        let reply = try await authorize(clientID, verifier: verifier, username: username, extra)
        return reply.redirect["code"].map { ($0, verifier) }
    }

    /// POST /token for a code, with `authentication` (client_id alone, or an assertion).
    func redeem(_ code: String, verifier: String, redirectURI: String, _ authentication: [(String, String)]) async throws -> Reply {
        try await post(
            "/token",
            [("grant_type", "authorization_code"), ("code", code), ("code_verifier", verifier), ("redirect_uri", redirectURI)] + authentication)
    }
}

/// The signing key of a `private_key_jwt` client, and the assertions it signs.
enum ClientKey {
    static let rsa = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let kid = "client-key-1"

    /// Its public key as a JWK Set, as a client publishes it at its `jwks_uri`.
    static var jwks: JSONValue {
        let primitives = try! rsa.publicKey.getKeyPrimitives()
        return [
            "keys": [
                [
                    "kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(kid),
                    "n": .string(Base64URL.encode(primitives.modulus.drop { $0 == 0 })),
                    "e": .string(Base64URL.encode(primitives.publicExponent.drop { $0 == 0 })),
                ]
            ]
        ]
    }

    /// The claims RFC 7523 §3 asks for: iss and sub the client, aud the issuer's token endpoint, exp in a minute, a fresh jti.
    static func claims(_ clientID: String, audience: String = IssuerHarness.issuer + "/token") -> [String: JSONValue] {
        let now = Int(Date().timeIntervalSince1970)
        return [
            "iss": .string(clientID), "sub": .string(clientID), "aud": .string(audience), "exp": .int(now + 60), "iat": .int(now),
            "jti": .string(UUID().uuidString),
        ]
    }

    /// An assertion for `clientID`, changed as a test asks, signed RS256 with this key unless told otherwise.
    static func assertion(
        _ clientID: String, header: [String: JSONValue] = ["alg": "RS256", "kid": .string(kid)],
        signer: TokenForge.Signer = .rs256(rsa), change: (inout [String: JSONValue]) -> Void = { _ in }
    ) -> String {
        var claims = claims(clientID)
        change(&claims)
        return TokenForge.token(header: header, claims: claims, signer: signer)
    }

    /// The form parameters that carry an assertion (RFC 7521 §4.2).
    static func authentication(_ assertion: String) -> [(String, String)] {
        [("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", assertion)]
    }
}
