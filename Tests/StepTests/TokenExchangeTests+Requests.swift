import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// Malformed or unacceptable exchange requests: forged or delegated subject tokens, unsupported token
/// types, an actor token, and targets the client may not name.
extension TokenExchangeTests {
    /// A token the issuer's key signs for the MCP server, as a user's would be, changed by `change`.
    static func signed(
        _ issuer: Harness, roles: [String]? = nil, actor: String? = nil, change: (inout AccessTokenClaims) -> Void
    ) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        var claims = AccessTokenClaims(
            issuer: Harness.issuer, subject: "alice", audience: mcp, clientID: "some-client", scopes: ["mcp:read"], issuedAt: now,
            expiresAt: now + 300, jti: UUID().uuidString, user: .init(name: "alice", roles: roles ?? []), actor: actor)
        change(&claims)
        return try issuer.desk.sign(claims)
    }

    @Test("a subject token not signed by this issuer, or naming another issuer, is invalid_request")
    func forgedSubjectIsRefused() async throws {
        try await Harness.run(Self.settings(), live: true) { issuer in
            let alice = try await Self.userToken(issuer)
            let parts = alice.access.split(separator: ".").map(String.init)
            var claims = try #require(Harness.claims(alice.access).objectValue)
            claims["scope"] = "mcp:read mcp:admin"
            let tampered = parts[0] + "." + Base64URL.encode(JSONValue.object(claims).encoded()) + "." + parts[2]
            let otherKey = TokenForge.token(
                header: ["alg": "RS256", "typ": "at+jwt", "kid": .string(issuer.desk.kid)], claims: claims, signer: .rs256(TestIssuer.key))
            let otherIssuer = try issuer.desk.sign(
                AccessTokenClaims(
                    issuer: "http://127.0.0.1:9002", subject: "alice", audience: Self.mcp, clientID: "c", scopes: ["mcp:read"],
                    issuedAt: Int(Date().timeIntervalSince1970), expiresAt: Int(Date().timeIntervalSince1970) + 300, jti: "j",
                    user: .init(name: "alice", roles: ["user"])))
            for token in [tampered, otherKey, otherIssuer, "not-a-token"] {
                let reply = try await Self.exchange(issuer, token)
                #expect(reply.status == .badRequest && reply.error == "invalid_request")
            }
        }
    }

    @Test("a subject token that already carries act is invalid_request: delegation is not chained")
    func delegatedSubjectIsRefused() async throws {
        try await Harness.run(Self.settings(), live: true) { issuer in
            let delegated = try Self.signed(issuer, roles: ["user"], actor: "someone-else") { _ in }
            let reply = try await Self.exchange(issuer, delegated)
            #expect(reply.status == .badRequest && reply.error == "invalid_request")
            #expect(reply.json["error_description"]?.stringValue?.contains("act") == true)
        }
    }

    @Test("a missing or unsupported subject_token_type, an actor_token or another requested_token_type is invalid_request")
    func unsupportedParametersAreRefused() async throws {
        try await Harness.run(Self.settings(), live: true) { issuer in
            let alice = try await Self.userToken(issuer)
            let changes: [[(String, String?)]] = [
                [("subject_token_type", nil)], [("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")],
                [("subject_token", nil)], [("actor_token", alice.access), ("actor_token_type", Self.accessTokenType)],
                [("requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token")], [("resource", nil)],
            ]
            for change in changes {
                let reply = try await Self.exchange(issuer, alice.access, change)
                #expect(reply.status == .badRequest && reply.error == "invalid_request", "\(change)")
            }
            let actor = try await Self.exchange(issuer, alice.access, [("actor_token", alice.access)])
            #expect(actor.json["error_description"] == "actor_token is not supported: the authenticated client is the actor.")
        }
    }

    @Test("a target the client may not name is invalid_target: another API, a relative resource, two targets")
    func otherTargetsAreRefused() async throws {
        try await Harness.run(Self.settings(), live: true) { issuer in
            let alice = try await Self.userToken(issuer)
            let changes: [[(String, String?)]] = [
                [("resource", "http://127.0.0.1:9102/calendar")], [("resource", Self.mcp)], [("resource", "/calendar")],
                [("resource", Self.calendar + "#x")], [("audience", "http://127.0.0.1:9102/calendar")],
                [("resource", nil), ("audience", "calendar")],
            ]
            for change in changes {
                let reply = try await Self.exchange(issuer, alice.access, change)
                #expect(reply.status == .badRequest && reply.error == "invalid_target", "\(change)")
            }
            let twice = try await issuer.post(
                "/token",
                [("grant_type", Self.grantType), ("subject_token", alice.access), ("subject_token_type", Self.accessTokenType),
                 ("resource", Self.calendar), ("resource", "http://127.0.0.1:9102/calendar")],
                headers: Harness.basic(Self.server.id, Self.server.secret))
            #expect(twice.error == "invalid_target")
        }
    }
}
