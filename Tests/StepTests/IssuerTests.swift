import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// The workshop issuer, `generate_token serve`: an OAuth 2.1 authorization server (RFC 6749, 7636, 8414,
/// 8707, 7591, 7662, 7009, 9207, 8252), driven in process.
@Suite("The workshop issuer")
struct IssuerTests {
    typealias Harness = IssuerHarness

    @Test("metadata at both well-known paths names the issuer, its endpoints, S256, iss and CIMD support, and nothing untrue")
    func metadata() async throws {
        try await Harness.run { issuer in
            let document = try await issuer.send(.get, "/.well-known/oauth-authorization-server")
            #expect(document.status == .ok)
            #expect(document.headers[.contentType] == "application/json")
            let json = document.json
            let base = Harness.issuer
            #expect(json["issuer"] == .string(base))
            for (name, path) in [
                ("authorization_endpoint", "/authorize"), ("token_endpoint", "/token"), ("registration_endpoint", "/register"),
                ("jwks_uri", "/jwks.json"), ("introspection_endpoint", "/introspect"), ("revocation_endpoint", "/revoke"),
            ] {
                #expect(json[name] == .string(base + path), "\(name)")
            }
            #expect(json["scopes_supported"] == ["mcp:read", "mcp:tools", "mcp:prompts", "mcp:admin", "calendar:read"])
            #expect(json["response_types_supported"] == ["code"])
            #expect(json["response_modes_supported"] == ["query"])
            #expect(json["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"])
            #expect(json["code_challenge_methods_supported"] == ["S256"])
            #expect(json["token_endpoint_auth_methods_supported"] == ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"])
            #expect(json["token_endpoint_auth_signing_alg_values_supported"] == ["RS256", "ES256"])
            #expect(json["introspection_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"])
            #expect(json["revocation_endpoint_auth_methods_supported"] == ["none", "client_secret_basic", "client_secret_post", "private_key_jwt"])
            #expect(json["revocation_endpoint_auth_signing_alg_values_supported"] == ["RS256", "ES256"])
            #expect(json["authorization_response_iss_parameter_supported"] == true)
            #expect(json["client_id_metadata_document_supported"] == true)
            #expect(try await issuer.send(.get, "/.well-known/openid-configuration").json == json)
            let jwks = try await issuer.send(.get, "/jwks.json").json
            #expect(jwks == issuer.desk.jwks)
            #expect(jwks["keys"]?.arrayValue?.first?["kid"] == .string(TestKeys.kid))
            #expect(jwks["keys"]?.arrayValue?.first?["d"] == nil)
        }
    }

    @Test("the code flow with PKCE gives alice an RFC 9068 token for the default resource, with her roles")
    func codeFlow() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client(name: "Demo <App>")
            let verifier = Harness.verifier()
            let query = FormParameters.encode([
                ("response_type", "code"), ("client_id", client.id), ("code_challenge", Harness.challenge(verifier)),
                ("code_challenge_method", "S256"), ("state", #"x"<y>"#),
            ])
            let page = try await issuer.send(.get, "/authorize?" + query, headers: [.accept: "text/html"])
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("Demo &lt;App&gt;") && !page.text.contains("Demo <App>"))
            #expect(page.text.contains("x&quot;&lt;y&gt;") && !page.text.contains(#"x"<y>"#))
            for user in ["alice", "bob", "ada", "gus"] { #expect(page.text.contains(#"value="\#(user)""#)) }
            #expect(page.text.contains("mcp:read") && page.text.contains("without passwords"))

            let approved = try await issuer.authorize(client.id, verifier: verifier, [("state", "s-1")])
            #expect(approved.status == .found)
            #expect(approved.location?.hasPrefix("http://127.0.0.1/callback?") == true)
            #expect(approved.redirect["state"] == "s-1")
            #expect(approved.redirect["iss"] == Harness.issuer)
            let code = try #require(approved.redirect["code"])
            #expect(Base64URL.decode(code)?.count == 32)

            let reply = try await issuer.post("/token", [
                ("grant_type", "authorization_code"), ("code", code), ("client_id", client.id), ("code_verifier", verifier),
            ])
            #expect(reply.status == .ok)
            #expect(reply.headers[.cacheControl] == "no-store")
            #expect(reply.json["token_type"] == "Bearer")
            #expect(reply.json["expires_in"] == 300)
            #expect(reply.json["scope"] == "mcp:read mcp:tools mcp:prompts")
            #expect(reply.json["refresh_token"]?.stringValue?.isEmpty == false)
            let token = try #require(reply.json["access_token"]?.stringValue)
            #expect(AccessTokenReader(desk: issuer.desk).verifies(token))
            #expect(AccessTokenReader.parts(of: token)?.header == ["alg": "RS256", "typ": "at+jwt", "kid": .string(TestKeys.kid)])
            let claims = Harness.claims(token)
            #expect(claims["iss"] == .string(Harness.issuer))
            #expect(claims["sub"] == "alice")
            #expect(claims["preferred_username"] == "alice")
            #expect(claims["roles"] == ["user"])
            #expect(claims["aud"] == .string(Harness.resources[0]))
            #expect(claims["client_id"] == .string(client.id))
            #expect(claims["scope"] == "mcp:read mcp:tools mcp:prompts")
            let iat = try #require(claims["iat"]?.intValue)
            #expect(claims["exp"] == .int(iat + 300))
            #expect(claims["nbf"] == .int(iat))
            #expect(claims["jti"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("PKCE is required with S256: plain, no method or no challenge is invalid_request at the redirect URI")
    func plainPKCERefused() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let verifier = Harness.verifier()
            for parameters in [
                [("code_challenge", verifier), ("code_challenge_method", "plain")],
                [("code_challenge", Harness.challenge(verifier))],
                [("code_challenge_method", "S256")],
                [("code_challenge", "too-short"), ("code_challenge_method", "S256")],
            ] {
                let query = FormParameters.encode([("response_type", "code"), ("client_id", client.id), ("state", "st")] + parameters)
                let reply = try await issuer.send(.get, "/authorize?" + query)
                #expect(reply.status == .found)
                #expect(reply.redirect["error"] == "invalid_request")
                #expect(reply.redirect["state"] == "st")
                #expect(reply.redirect["iss"] == Harness.issuer)
                #expect(reply.redirect["code"] == nil)
            }
        }
    }

    @Test("a wrong or missing code_verifier is refused, and the code is spent by the attempt")
    func wrongVerifier() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let verifier = Harness.verifier()
            let code = try #require(try await issuer.authorize(client.id, verifier: verifier).redirect["code"])
            let exchange = { (verifier: String?) in
                try await issuer.post("/token", [("grant_type", "authorization_code"), ("code", code), ("client_id", client.id)]
                    + (verifier.map { [("code_verifier", $0)] } ?? []))
            }
            #expect(try await exchange(nil).error == "invalid_request")
            let wrong = try await exchange(Harness.verifier())
            #expect(wrong.status == .badRequest)
            #expect(wrong.error == "invalid_grant")
            #expect(try await exchange("short").error == "invalid_grant")
            #expect(try await exchange(verifier).error == "invalid_grant")
        }
    }

    @Test("a code used twice is invalid_grant, and the refresh and access tokens it gave are revoked")
    func codeReuse() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let verifier = Harness.verifier()
            let code = try #require(try await issuer.authorize(client.id, verifier: verifier).redirect["code"])
            let form = [("grant_type", "authorization_code"), ("code", code), ("client_id", client.id), ("code_verifier", verifier)]
            let first = try await issuer.post("/token", form)
            #expect(first.status == .ok)
            let second = try await issuer.post("/token", form)
            #expect(second.status == .badRequest)
            #expect(second.error == "invalid_grant")
            let refresh = try await issuer.post("/token", [
                ("grant_type", "refresh_token"), ("refresh_token", first.json["refresh_token"]?.stringValue ?? ""), ("client_id", client.id),
            ])
            #expect(refresh.error == "invalid_grant")
            let introspection = try await issuer.post(
                "/introspect", [("token", first.json["access_token"]?.stringValue ?? "")],
                headers: Harness.introspector)
            #expect(introspection.json == ["active": false])
        }
    }

    @Test("an unregistered redirect_uri gets a 400 page, never a redirect; a loopback one may use any port")
    func redirectMatching() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client(redirectURIs: ["http://127.0.0.1/callback", "https://app.example/cb"])
            let verifier = Harness.verifier()
            let loopback = try await issuer.authorize(client.id, verifier: verifier, [("redirect_uri", "http://127.0.0.1:53123/callback")])
            #expect(loopback.status == .found)
            #expect(loopback.location?.hasPrefix("http://127.0.0.1:53123/callback?code=") == true)
            for bad in ["http://127.0.0.1:53123/other", "https://app.example:8443/cb", "https://evil.example/cb", "http://localhost/callback"] {
                let reply = try await issuer.authorize(client.id, verifier: verifier, [("redirect_uri", bad)])
                #expect(reply.status == .badRequest, "\(bad)")
                #expect(reply.location == nil)
                #expect(reply.error == "invalid_request")
            }
            // With two registered, the client must say which; an unknown client never gets a redirect.
            #expect(try await issuer.authorize(client.id, verifier: verifier).status == .badRequest)
            let unknown = try await issuer.authorize("no-such-client", verifier: verifier, [("redirect_uri", "https://app.example/cb")])
            #expect(unknown.status == .badRequest && unknown.location == nil)
            let page = try await issuer.send(.get, "/authorize?client_id=nobody&redirect_uri=https%3A%2F%2Fevil.example", headers: [.accept: "text/html"])
            #expect(page.status == .badRequest && page.location == nil && page.text.contains("<h1>"))
            // The token request repeats the redirect URI exactly.
            let code = try #require(loopback.redirect["code"])
            let mismatch = try await issuer.post("/token", [
                ("grant_type", "authorization_code"), ("code", code), ("client_id", client.id), ("code_verifier", verifier),
                ("redirect_uri", "http://127.0.0.1:9999/callback"),
            ])
            #expect(mismatch.error == "invalid_grant")
        }
    }

    @Test("a resource the issuer does not serve is invalid_target; the token's aud is the resource asked for")
    func resourceIndicators() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let verifier = Harness.verifier()
            let unknown = try await issuer.authorize(client.id, verifier: verifier, [("resource", "https://evil.example/mcp")])
            #expect(unknown.redirect["error"] == "invalid_target")
            let two = try await issuer.authorize(
                client.id, verifier: verifier, [("resource", Harness.resources[0]), ("resource", Harness.resources[1])])
            #expect(two.redirect["error"] == "invalid_target")
            let second = try await issuer.tokens(client.id, [("resource", Harness.resources[1])])
            #expect(Harness.claims(second.json["access_token"]?.stringValue)["aud"] == .string(Harness.resources[1]))

            let code = try #require(try await issuer.authorize(client.id, verifier: verifier, [("resource", Harness.resources[1])]).redirect["code"])
            let other = try await issuer.post("/token", [
                ("grant_type", "authorization_code"), ("code", code), ("client_id", client.id), ("code_verifier", verifier),
                ("resource", Harness.resources[0]),
            ])
            #expect(other.error == "invalid_target")
        }
    }
}
