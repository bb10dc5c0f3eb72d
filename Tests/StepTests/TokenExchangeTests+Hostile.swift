import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// Every exchange the issuer must refuse, each with RFC 8693 §2.2.2's error: invalid_request for a
/// subject token that is not acceptable, invalid_target for an audience, invalid_scope for a scope,
/// unauthorized_client for a client the operator did not allow.
extension TokenExchangeTests {
    @Test("a subject token issued for another audience is invalid_request: a server exchanges only tokens sent to it")
    func otherAudienceIsRefused() async throws {
        try await Harness.run(Self.settings(), live: true) { issuer in
            let elsewhere = try await Self.userToken(issuer, resource: "http://127.0.0.1:9100/mcp")
            let reply = try await Self.exchange(issuer, elsewhere.access)
            #expect(reply.status == .badRequest && reply.error == "invalid_request")
            #expect(reply.json["error_description"]?.stringValue?.contains("another audience") == true)
        }
    }

    @Test("an expired subject token is invalid_request")
    func expiredSubjectIsRefused() async throws {
        let clock = TestClock()
        try await Harness.run(Self.settings(clock: clock), live: true) { issuer in
            let alice = try await Self.userToken(issuer)
            clock.advance(by: IssuerSettings.defaultTokenLifetime)
            let reply = try await Self.exchange(issuer, alice.access)
            #expect(reply.status == .badRequest && reply.error == "invalid_request" && reply.json["access_token"] == nil)
        }
    }

    @Test("a revoked subject token is invalid_request, whether it was revoked alone or with its grant")
    func revokedSubjectIsRefused() async throws {
        try await Harness.run(Self.settings(), live: true) { issuer in
            let alice = try await Self.userToken(issuer)
            _ = try await issuer.post("/revoke", [("token", alice.access), ("client_id", alice.clientID)])
            let alone = try await Self.exchange(issuer, alice.access)
            #expect(alone.status == .badRequest && alone.error == "invalid_request")
            let bob = try await Self.userToken(issuer, "bob")
            _ = try await issuer.post("/revoke", [("token", bob.refresh), ("client_id", bob.clientID)])
            let withGrant = try await Self.exchange(issuer, bob.access)
            #expect(withGrant.status == .badRequest && withGrant.error == "invalid_request")
        }
    }

    @Test("a client the operator did not allow to exchange is unauthorized_client: another server, a self-registered client")
    func clientNotAllowedIsRefused() async throws {
        try await Harness.run(Self.settings(), live: true) { issuer in
            let alice = try await Self.userToken(issuer)
            let other = try await Self.exchange(issuer, alice.access, as: Self.other)
            #expect(other.status == .badRequest && other.error == "unauthorized_client")
            let registered = try await issuer.client("client_secret_basic", grantTypes: ["client_credentials"])
            let selfRegistered = try await Self.exchange(issuer, alice.access, as: (registered.id, registered.secret ?? ""))
            #expect(selfRegistered.error == "unauthorized_client")
            let wrongSecret = try await Self.exchange(issuer, alice.access, as: (Self.server.id, Self.other.secret))
            #expect(wrongSecret.status == .unauthorized && wrongSecret.error == "invalid_client")
        }
    }

    @Test("a wider scope is invalid_scope: one the target does not grant, or whose required scope the subject lacks")
    func widerScopeIsRefused() async throws {
        try await Harness.run(Self.settings(), live: true) { issuer in
            let alice = try await Self.userToken(issuer)
            for scope in ["calendar:read mcp:tools", "mcp:read", "mcp:admin", "calendar:write"] {
                let reply = try await Self.exchange(issuer, alice.access, [("scope", scope)])
                #expect(reply.status == .badRequest && reply.error == "invalid_scope", "\(scope)")
            }
            // A token without mcp:read carries no right to read, so it is exchanged for none, asked or not.
            let toolsOnly = try await Self.userToken(issuer, scope: "mcp:tools")
            #expect(try await Self.exchange(issuer, toolsOnly.access).error == "invalid_scope")
            #expect(try await Self.exchange(issuer, toolsOnly.access, [("scope", nil)]).error == "invalid_scope")
        }
    }

    @Test("a subject with no person's role behind it is invalid_scope: a client's own token, a token without roles")
    func scopeBeyondTheRoleIsRefused() async throws {
        try await Harness.run(Self.settings(), live: true) { issuer in
            let robot = try await issuer.client("client_secret_post", grantTypes: ["client_credentials"])
            let machine = try await issuer.post("/token", [
                ("grant_type", "client_credentials"), ("client_id", robot.id), ("client_secret", robot.secret ?? ""), ("resource", Self.mcp),
            ])
            let machineToken = try #require(machine.json["access_token"]?.stringValue)
            #expect(try await Self.exchange(issuer, machineToken).error == "invalid_scope")
            let noRoles = try Self.signed(issuer) { _ in }
            #expect(try await Self.exchange(issuer, noRoles).error == "invalid_scope")
            #expect(try await Self.exchange(issuer, try Self.signed(issuer, roles: ["guest"]) { _ in }).status == .ok)
        }
    }

    @Test("a refresh token as subject is invalid_request, typed as one or passed off as an access token")
    func refreshTokenAsSubjectIsRefused() async throws {
        try await Harness.run(Self.settings(), live: true) { issuer in
            let alice = try await Self.userToken(issuer)
            let typed = try await Self.exchange(issuer, alice.refresh, [("subject_token_type", "urn:ietf:params:oauth:token-type:refresh_token")])
            #expect(typed.status == .badRequest && typed.error == "invalid_request")
            // What the client says it sends counts too: an access token typed as a refresh token is refused.
            let mistyped = try await Self.exchange(issuer, alice.access, [("subject_token_type", "urn:ietf:params:oauth:token-type:refresh_token")])
            #expect(mistyped.status == .badRequest && mistyped.error == "invalid_request")
            let disguised = try await Self.exchange(issuer, alice.refresh)
            #expect(disguised.status == .badRequest && disguised.error == "invalid_request")
            #expect(disguised.json["error_description"]?.stringValue?.contains("refresh token") == true)
        }
    }
}
