import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// Who stands behind a token decides what it may do: every grant lies within the client's ceiling and,
/// for a person, within what the person's role allows (RFC 6749 §3.3, RFC 7591 §2 and §5).
extension IssuerTests {
    @Test("A6a: bob (role user) asking for mcp:admin is granted only what his role allows")
    func bobGetsNoAdmin() async throws {
        try await Harness.run { issuer in
            let reply = try await issuer.tokens(Harness.adminConsole, username: "bob", [("scope", "mcp:read mcp:tools mcp:admin")])
            #expect(reply.status == .ok)
            #expect(reply.json["scope"] == "mcp:read mcp:tools")
            let claims = Harness.claims(reply.json["access_token"]?.stringValue)
            #expect(claims["scope"] == "mcp:read mcp:tools" && claims["roles"] == ["user"])
        }
    }

    @Test("A6d: a client registered with scope mcp:read gets no more at /authorize, whoever signs in")
    func registeredScopeIsACeiling() async throws {
        try await Harness.run { issuer in
            let registered = try await issuer.register([
                "token_endpoint_auth_method": "none", "redirect_uris": ["http://127.0.0.1/callback"], "scope": "mcp:read",
            ])
            let id = try #require(registered.json["client_id"]?.stringValue)
            let reply = try await issuer.tokens(id, username: "ada", [("scope", "mcp:read mcp:tools mcp:prompts mcp:admin")])
            #expect(reply.json["scope"] == "mcp:read")
            #expect(Harness.claims(reply.json["access_token"]?.stringValue)["scope"] == "mcp:read")
            // Asking only for what lies beyond the ceiling grants nothing: invalid_scope at the redirect URI.
            let beyond = try await issuer.authorize(id, verifier: Harness.verifier(), [("scope", "mcp:tools")])
            #expect(beyond.redirect["error"] == "invalid_scope" && beyond.redirect["code"] == nil)
        }
    }

    @Test("T8a: a self-registered client never gets mcp:admin by client_credentials, nor registers for it")
    func selfRegisteredClientGetsNoAdmin() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client("client_secret_post", grantTypes: ["client_credentials"])
            let form = [("grant_type", "client_credentials"), ("client_id", client.id), ("client_secret", client.secret ?? "")]
            let admin = try await issuer.post("/token", form + [("scope", "mcp:admin")])
            #expect(admin.status == .badRequest && admin.error == "invalid_scope")
            // With no scope asked for and none registered, the default client scopes: an ordinary user's.
            let plain = try await issuer.post("/token", form)
            #expect(plain.json["scope"] == "mcp:read mcp:tools mcp:prompts")
            let registration = try await issuer.register([
                "token_endpoint_auth_method": "client_secret_post", "grant_types": ["client_credentials"], "scope": "mcp:read mcp:admin",
            ])
            #expect(registration.status == .badRequest && registration.error == "invalid_client_metadata")
            // The registration response states the ceiling it was given (RFC 7591 §3.2.1).
            let unscoped = try await issuer.register(["token_endpoint_auth_method": "none", "redirect_uris": ["http://127.0.0.1/cb"]])
            #expect(unscoped.json["scope"] == "mcp:read mcp:tools mcp:prompts")
        }
    }

    @Test("only a client the operator configured may hold mcp:admin: ada gets it there and nowhere else")
    func configuredClientMayHoldAdmin() async throws {
        try await Harness.run { issuer in
            let asked = [("scope", "mcp:read mcp:tools mcp:prompts mcp:admin")]
            let console = try await issuer.tokens(Harness.adminConsole, username: "ada", asked)
            #expect(console.json["scope"] == "mcp:read mcp:tools mcp:prompts mcp:admin")
            let selfRegistered = try await issuer.client()
            #expect(try await issuer.tokens(selfRegistered.id, username: "ada", asked).json["scope"] == "mcp:read mcp:tools mcp:prompts")
        }
    }

    @Test("a guest asking for the baseline scopes gets mcp:read only; asking only for what the role forbids is access_denied")
    func guestGetsReadOnly() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let baseline = try await issuer.tokens(client.id, username: "gus", [("scope", "mcp:read mcp:tools mcp:prompts")])
            #expect(baseline.json["scope"] == "mcp:read")
            #expect(Harness.claims(baseline.json["access_token"]?.stringValue)["roles"] == ["guest"])
            let forbidden = try await issuer.authorize(client.id, verifier: Harness.verifier(), username: "gus", [("scope", "mcp:tools")])
            #expect(forbidden.redirect["error"] == "access_denied" && forbidden.redirect["code"] == nil)
        }
    }

    @Test("the sign-in page shows what each user would really be granted, and what the client may not have")
    func pageShowsRealGrants() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let query = FormParameters.encode([
                ("response_type", "code"), ("client_id", client.id), ("code_challenge", Harness.challenge(Harness.verifier())),
                ("code_challenge_method", "S256"), ("scope", "mcp:read mcp:tools mcp:admin"),
            ])
            let page = try await issuer.send(.get, "/authorize?" + query, headers: [.accept: "text/html"]).text
            #expect(page.contains("Sign in as alice (user) and approve: mcp:read mcp:tools<"))
            #expect(page.contains("Sign in as ada (admin) and approve: mcp:read mcp:tools<"))
            #expect(page.contains("Sign in as gus (guest) and approve: mcp:read<"))
            #expect(page.contains("<code>mcp:admin</code> (not for this client"))
        }
    }

    @Test("the clients file refuses what it cannot honour, naming the client and the reason")
    func clientsFileErrors() throws {
        let secret = String(repeating: "s", count: 32)
        let cases: [(String, String)] = [
            (#"{"clients": [{"client_id": "a", "token_endpoint_auth_method": "none", "grant_types": [], "colour": "red"}]}"#, "unknown member colour"),
            (#"{"clients": [{"client_id": "a", "client_secret": "short", "grant_types": ["client_credentials"]}]}"#, "at least 32"),
            (#"{"clients": [{"client_id": "a", "token_endpoint_auth_method": "none", "client_secret": "\#(secret)", "grant_types": []}]}"#, "has no client_secret"),
            (#"{"clients": [{"client_id": "a b", "token_endpoint_auth_method": "none", "grant_types": []}]}"#, "client_id must be"),
            (#"{"clients": [{"client_id": "a", "token_endpoint_auth_method": "none", "grant_types": []}, {"client_id": "a", "token_endpoint_auth_method": "none", "grant_types": []}]}"#, "used twice"),
            (#"{"clients": [{"client_id": "a", "token_endpoint_auth_method": "none", "redirect_uris": ["http://evil.example/cb"]}]}"#, "redirect"),
            (#"{"clients": [], "clients": []}"#, "each member named once"),
            (#"[]"#, "expected a JSON object"),
        ]
        for (text, message) in cases {
            #expect(throws: ClientsFile.Failure.self, "\(text)") { try ClientsFile.parse(Data(text.utf8), now: 0, source: "f") }
            do {
                _ = try ClientsFile.parse(Data(text.utf8), now: 0, source: "f")
            } catch {
                #expect(error.description.contains(message), "\(error.description)")
            }
        }
        let good = #"{"clients": [{"client_id": "rs", "client_secret": "\#(secret)", "grant_types": [], "scope": "mcp:admin"}]}"#
        let clients = try ClientsFile.parse(Data(good.utf8), now: 0, source: "f")
        #expect(clients.count == 1 && clients[0].ceiling == ["mcp:admin"] && clients[0].verifies(secret: secret))
    }
}
