import Crypto
import CryptoExtras
import Foundation
import HTTPTypes
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// `private_key_jwt` at the token endpoint (RFC 7521 §4.2, RFC 7523 §3, OpenID Connect Core §9): what a
/// client assertion must be, and each way one can be wrong. Each request carries an unknown code, so an
/// assertion that authenticates the client earns invalid_grant, and one that does not, invalid_client.
@Suite("Client assertions (private_key_jwt)")
struct ClientAssertionTests {
    typealias Harness = IssuerHarness

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// The authentication parameters, given the client id.
        let authentication: @Sendable (String) -> [(String, String)]
        var error = "invalid_client"
        let says: String
        var testDescription: String { name }
    }

    static func assertion(_ name: String, says: String, header: [String: JSONValue] = ["alg": "RS256", "kid": .string(ClientKey.kid)],
        signer: TokenForge.Signer = .rs256(ClientKey.rsa), _ change: @escaping @Sendable (inout [String: JSONValue]) -> Void = { _ in }) -> Case {
        Case(name: name, authentication: { id in ClientKey.authentication(ClientKey.assertion(id, header: header, signer: signer, change: change)) }, says: says)
    }

    static let now = Int(Date().timeIntervalSince1970)
    static let otherKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static let cases: [Case] = [
        assertion("an audience that is another server", says: "must have aud http://127.0.0.1:9001 or http://127.0.0.1:9001/token") {
            $0["aud"] = "https://other.example/token"
        },
        assertion("no exp", says: "must have an exp claim") { $0["exp"] = nil },
        assertion("expired", says: "has expired") { $0["exp"] = .int(now - 120) },
        assertion("valid for an hour", says: "must expire within 300 seconds") { $0["exp"] = .int(now + 3600) },
        assertion("nbf in the future", says: "has nbf in the future") { $0["nbf"] = .int(now + 600) },
        assertion("no jti", says: "must have a jti") { $0["jti"] = nil },
        assertion("sub differs from iss", says: "must have iss and sub equal to the client_id") { $0["sub"] = "someone-else" },
        assertion("signed by a key the client does not publish", says: "signature does not verify", signer: .rs256(otherKey)),
        assertion("alg none", says: "must be signed with RS256", header: ["alg": "none"], signer: .unsigned),
        assertion("HS256 keyed with the public key", says: "must be signed with RS256", header: ["alg": "HS256"],
            signer: .hs256(Data(ClientKey.jwks.jsonText.utf8))),
        assertion("ES256 where the document says RS256", says: "must be signed with RS256", header: ["alg": "ES256", "kid": .string(ClientKey.kid)],
            signer: .es256(P256.Signing.PrivateKey())),
        assertion("a kid the key set does not hold", says: "names a key (kid and alg) that the client's key set does not hold",
            header: ["alg": "RS256", "kid": "unknown"]),
        Case(name: "not a JWT", authentication: { _ in ClientKey.authentication("not.a-jwt") }, says: "is not a JWT with an iss claim"),
        Case(name: "another assertion type", authentication: { id in
            [("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"), ("client_assertion", ClientKey.assertion(id))]
        }, says: "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
        Case(name: "a client_id other than the assertion's iss", authentication: { id in
            ClientKey.authentication(ClientKey.assertion(id)) + [("client_id", "https://localhost/another.json")]
        }, error: "invalid_request", says: "client_id differs from the client_assertion's iss"),
        Case(name: "an assertion and a secret", authentication: { id in
            ClientKey.authentication(ClientKey.assertion(id)) + [("client_secret", "guess")]
        }, error: "invalid_request", says: "Use one way of client authentication"),
    ]

    /// A host serving a `private_key_jwt` client's document and key set, and an issuer trusting it.
    static func withClient(_ body: @Sendable (IssuerHarness, String) async throws -> Void) async throws {
        try await DocumentHost.run { host in
            let id = host.url("/signed.json")
            host.serve("/jwks.json", document: ClientKey.jwks)
            host.serve("/signed.json", document: Harness.document(id, [
                "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": .string(host.url("/jwks.json")), "token_endpoint_auth_signing_alg": "RS256",
            ]))
            try await Harness.run(Harness.documentSettings()) { issuer in try await body(issuer, id) }
        }
    }

    static func tokenRequest(_ issuer: IssuerHarness, _ authentication: [(String, String)]) async throws -> IssuerHarness.Reply {
        try await issuer.post("/token", [("grant_type", "authorization_code"), ("code", "unknown"), ("code_verifier", Harness.verifier())] + authentication)
    }

    @Test("a good assertion authenticates the client: the unknown code is what is refused")
    func goodAssertion() async throws {
        try await Self.withClient { issuer, id in
            let reply = try await Self.tokenRequest(issuer, ClientKey.authentication(ClientKey.assertion(id)))
            #expect(reply.error == "invalid_grant")
        }
    }

    @Test("a bad client assertion is refused with invalid_client naming the check", arguments: cases)
    func refused(_ bad: Case) async throws {
        try await Self.withClient { issuer, id in
            let reply = try await Self.tokenRequest(issuer, bad.authentication(id))
            #expect(reply.error == bad.error)
            #expect(reply.status == (bad.error == "invalid_client" ? .unauthorized : .badRequest))
            let description = reply.json["error_description"]?.stringValue ?? ""
            #expect(description.contains(bad.says), "\(description)")
        }
    }
}
