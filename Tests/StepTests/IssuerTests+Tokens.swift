import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// Tokens after they are issued: refresh with rotation (RFC 6749 §6), introspection (RFC 7662), revocation (RFC 7009).
extension IssuerTests {
    @Test("refresh tokens rotate; a rotated one used again is invalid_grant and revokes the whole grant")
    func refreshRotation() async throws {
        try await Harness.run { issuer in
            let client = Harness.adminConsole
            let first = try await issuer.tokens(client, username: "ada", [("scope", "mcp:read mcp:admin")])
            let refresh = { (token: JSONValue?, extra: [(String, String)]) in
                try await issuer.post("/token", [
                    ("grant_type", "refresh_token"), ("refresh_token", token?.stringValue ?? ""), ("client_id", client),
                ] + extra)
            }
            #expect(try await refresh(first.json["refresh_token"], [("scope", "mcp:read mcp:tools")]).error == "invalid_scope")
            #expect(try await refresh(first.json["refresh_token"], [("resource", Harness.resources[1])]).error == "invalid_target")
            let second = try await refresh(first.json["refresh_token"], [("scope", "mcp:read")])
            #expect(second.status == .ok)
            #expect(second.json["scope"] == "mcp:read")
            #expect(second.json["refresh_token"] != first.json["refresh_token"])
            let claims = Harness.claims(second.json["access_token"]?.stringValue)
            #expect(claims["sub"] == "ada" && claims["roles"] == ["admin"] && claims["scope"] == "mcp:read")
            // The refresh token keeps the original grant: the next refresh may have mcp:admin again.
            let third = try await refresh(second.json["refresh_token"], [])
            #expect(third.json["scope"] == "mcp:read mcp:admin")

            let replay = try await refresh(first.json["refresh_token"], [])
            #expect(replay.status == .badRequest && replay.error == "invalid_grant")
            #expect(try await refresh(third.json["refresh_token"], []).error == "invalid_grant")
            let introspection = try await issuer.post(
                "/introspect", [("token", third.json["access_token"]?.stringValue ?? "")], headers: Harness.introspector)
            #expect(introspection.json == ["active": false])
        }
    }

    @Test("R1: access tokens live five minutes unless --token-lifetime says otherwise; refresh is cheap")
    func accessTokensAreShortLived() async throws {
        #expect(try IssuerOptions.parse([]).settings().tokenLifetime == 300)
        #expect(try IssuerOptions.parse(["--token-lifetime", "900"]).settings().tokenLifetime == 900)
        try await Harness.run { issuer in
            let reply = try await issuer.tokens(try await issuer.client().id)
            #expect(reply.json["expires_in"] == 300)
            let claims = Harness.claims(reply.json["access_token"]?.stringValue)
            #expect(claims["exp"]?.intValue.flatMap { exp in claims["iat"]?.intValue.map { exp - $0 } } == 300)
        }
    }

    @Test("a client registered without refresh_token gets no refresh token, and another client cannot use one")
    func refreshOwnership() async throws {
        try await Harness.run { issuer in
            let codeOnly = try await issuer.client(grantTypes: ["authorization_code"])
            #expect(try await issuer.tokens(codeOnly.id).json["refresh_token"] == nil)
            let owner = try await issuer.client()
            let thief = try await issuer.client()
            let tokens = try await issuer.tokens(owner.id)
            let stolen = try await issuer.post("/token", [
                ("grant_type", "refresh_token"), ("refresh_token", tokens.json["refresh_token"]?.stringValue ?? ""), ("client_id", thief.id),
            ])
            #expect(stolen.error == "invalid_grant")
        }
    }

    @Test("introspection tells a resource server the operator allows what an active token grants; anything else is just inactive")
    func introspection() async throws {
        // The issuer's clock stands still; "expired" must be measured against it, not against the wall
        // clock, which on a busy machine runs seconds ahead before the token is made.
        let clock = TestClock()
        try await Harness.run(Harness.settings(clock: clock)) { issuer in
            let client = try await issuer.client()
            let auth = Harness.introspector
            let tokens = try await issuer.tokens(client.id, username: "bob")
            let access = try await issuer.post("/introspect", [("token", tokens.json["access_token"]?.stringValue ?? "")], headers: auth)
            #expect(access.status == .ok && access.headers[.cacheControl] == "no-store")
            #expect(access.json["active"] == true)
            #expect(access.json["token_type"] == "Bearer")
            #expect(access.json["scope"] == "mcp:read mcp:tools mcp:prompts")
            #expect(access.json["client_id"] == .string(client.id))
            #expect(access.json["username"] == "bob" && access.json["sub"] == "bob")
            #expect(access.json["aud"] == .string(Harness.resources[0]) && access.json["iss"] == .string(Harness.issuer))
            #expect(access.json["exp"]?.intValue != nil && access.json["iat"]?.intValue != nil)

            let forged = TokenForge.token(claims: TokenForge.validClaims(), signer: .rs256(TestKeys.attacker))
            let expired = TokenForge.with { $0["iss"] = .string(Harness.issuer); $0["exp"] = .int(clock.now - 10) }
            for token in ["garbage", forged, expired, String(repeating: "a", count: 9000)] {
                #expect(try await issuer.post("/introspect", [("token", token)], headers: auth).json == ["active": false])
            }
            #expect(try await issuer.post("/introspect", [], headers: auth).error == "invalid_request")
            let publicCaller = try await issuer.post("/introspect", [("token", "x"), ("client_id", client.id)])
            #expect(publicCaller.status == .unauthorized && publicCaller.error == "invalid_client")
            #expect(try await issuer.post("/introspect", [("token", "x")]).status == .unauthorized)
        }
    }

    @Test("revocation: a client revokes its own access and refresh tokens, not another's; unknown tokens get 200")
    func revocation() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let other = try await issuer.client()
            let introspect = { (token: JSONValue?) in
                try await issuer.post("/introspect", [("token", token?.stringValue ?? "")], headers: Harness.introspector).json["active"]
            }
            let refresh = { (token: JSONValue?) in
                try await issuer.post("/token", [("grant_type", "refresh_token"), ("refresh_token", token?.stringValue ?? ""), ("client_id", client.id)])
            }
            let revoke = { (token: JSONValue?, clientID: String) in
                try await issuer.post("/revoke", [("token", token?.stringValue ?? ""), ("client_id", clientID)])
            }
            let first = try await issuer.tokens(client.id)
            #expect(try await revoke(first.json["access_token"], other.id).error == "unauthorized_client")
            #expect(try await introspect(first.json["access_token"]) == true)
            #expect(try await revoke(first.json["access_token"], client.id).status == .ok)
            #expect(try await introspect(first.json["access_token"]) == false)
            #expect(try await refresh(first.json["refresh_token"]).status == .ok)  // the grant lives on

            let second = try await issuer.tokens(client.id)
            #expect(try await revoke(second.json["refresh_token"], other.id).error == "unauthorized_client")
            #expect(try await revoke(second.json["refresh_token"], client.id).status == .ok)
            #expect(try await refresh(second.json["refresh_token"]).error == "invalid_grant")
            #expect(try await introspect(second.json["access_token"]) == false)
            #expect(try await revoke("never-issued", client.id).status == .ok)
            #expect(try await issuer.post("/revoke", [("token", "x"), ("client_id", "nobody")]).status == .unauthorized)
        }
    }

    @Test("an authorization code lives 60 seconds; a denial sends access_denied with state and iss")
    func codeExpiryAndDenial() async throws {
        let clock = TestClock()
        try await Harness.run(Harness.settings(clock: clock)) { issuer in
            let client = try await issuer.client()
            let verifier = Harness.verifier()
            let code = try #require(try await issuer.authorize(client.id, verifier: verifier).redirect["code"])
            clock.advance(by: 61)
            let late = try await issuer.post("/token", [
                ("grant_type", "authorization_code"), ("code", code), ("client_id", client.id), ("code_verifier", verifier),
            ])
            #expect(late.error == "invalid_grant")
            let denied = try await issuer.authorize(client.id, verifier: verifier, consent: "deny", [("state", "s")])
            #expect(denied.redirect["error"] == "access_denied" && denied.redirect["state"] == "s")
            #expect(denied.redirect["iss"] == Harness.issuer && denied.redirect["code"] == nil)
            let nobody = try await issuer.authorize(client.id, verifier: verifier, username: "mallory")
            #expect(nobody.redirect["error"] == "access_denied")
        }
    }
}
