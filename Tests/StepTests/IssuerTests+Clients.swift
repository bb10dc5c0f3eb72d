import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// Clients: dynamic registration (RFC 7591), client authentication (RFC 6749 §2.3) and client_credentials (§4.4).
extension IssuerTests {
    @Test("client_credentials gives a confidential client a token for itself: sub is its client_id, no roles")
    func clientCredentials() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client("client_secret_post", grantTypes: ["client_credentials"])
            let secret = try #require(client.secret)
            let reply = try await issuer.post("/token", [
                ("grant_type", "client_credentials"), ("client_id", client.id), ("client_secret", secret),
                ("resource", Harness.resources[1]), ("scope", "mcp:read"),
            ])
            #expect(reply.status == .ok)
            #expect(reply.json["refresh_token"] == nil)
            #expect(reply.json["scope"] == "mcp:read")
            let claims = Harness.claims(reply.json["access_token"]?.stringValue)
            #expect(claims["sub"] == .string(client.id))
            #expect(claims["client_id"] == .string(client.id))
            #expect(claims["aud"] == .string(Harness.resources[1]))
            #expect(claims["roles"] == nil && claims["preferred_username"] == nil)

            let credentials = [("grant_type", "client_credentials"), ("client_id", client.id), ("client_secret", secret)]
            #expect(try await issuer.post("/token", credentials + [("resource", "https://evil.example/")]).error == "invalid_target")
            #expect(try await issuer.post("/token", credentials + [("scope", "mcp:everything")]).error == "invalid_scope")
            let publicClient = try await issuer.client()
            let refused = try await issuer.post("/token", [("grant_type", "client_credentials"), ("client_id", publicClient.id)])
            #expect(refused.error == "unauthorized_client")
            let password = [("grant_type", "password"), ("client_id", client.id), ("client_secret", secret)]
            #expect(try await issuer.post("/token", password).error == "unsupported_grant_type")
        }
    }

    @Test("a confidential client that fails to authenticate gets 401 invalid_client with a Basic challenge")
    func clientAuthenticationFailures() async throws {
        try await Harness.run { issuer in
            let basic = try await issuer.client("client_secret_basic", grantTypes: ["client_credentials"])
            let post = try await issuer.client("client_secret_post", grantTypes: ["client_credentials"])
            let grant = [("grant_type", "client_credentials")]
            let attempts: [(String, [(String, String)], HTTPFields)] = [
                ("wrong secret in Basic", grant, Harness.basic(basic.id, "wrong")),
                ("wrong secret in the form", grant + [("client_id", post.id), ("client_secret", "wrong")], [:]),
                ("basic client using the form", grant + [("client_id", basic.id), ("client_secret", basic.secret!)], [:]),
                ("post client using Basic", grant, Harness.basic(post.id, post.secret!)),
                ("confidential client without a secret", grant + [("client_id", basic.id)], [:]),
                ("no client at all", grant, [:]),
                ("unknown client", grant, Harness.basic("nobody", "secret")),
                ("bad base64", grant, [.authorization: "Basic !!!not-base64!!!"]),
                ("no colon", grant, [.authorization: "Basic " + Data("just-an-id".utf8).base64EncodedString()]),
                ("Bearer scheme", grant, [.authorization: "Bearer abc"]),
                ("non-UTF-8 credentials", grant, [.authorization: "Basic " + Data([0xFF, 0x3A, 0xFE]).base64EncodedString()]),
            ]
            for (what, form, headers) in attempts {
                let reply = try await issuer.post("/token", form, headers: headers)
                #expect(reply.status == .unauthorized, "\(what)")
                #expect(reply.error == "invalid_client", "\(what)")
                #expect(reply.headers[.wwwAuthenticate]?.hasPrefix("Basic ") == true, "\(what)")
            }
            // Two ways at once is a malformed request (RFC 6749 §2.3).
            let both = try await issuer.post("/token", grant + [("client_secret", basic.secret!)], headers: Harness.basic(basic.id, basic.secret!))
            #expect(both.status == .badRequest && both.error == "invalid_request")
            // RFC 6749 §2.3.1: id and secret are form-encoded inside Basic.
            let encoded = { (text: String) in text.utf8.map { String(format: "%%%02X", $0) }.joined() }
            let good = try await issuer.post("/token", grant, headers: Harness.basic(encoded(basic.id), encoded(basic.secret!)))
            #expect(good.status == .ok)
        }
    }

    @Test("registration: a public client gets no secret; a confidential one gets a secret that never expires")
    func registration() async throws {
        try await Harness.run { issuer in
            let publicClient = try await issuer.register([
                "redirect_uris": ["http://127.0.0.1:8976/callback"], "token_endpoint_auth_method": "none", "client_name": "Inspector",
            ])
            #expect(publicClient.status == .created)
            #expect(publicClient.headers[.cacheControl] == "no-store")
            #expect(publicClient.json["client_id"]?.stringValue?.isEmpty == false)
            #expect(publicClient.json["client_secret"] == nil)
            #expect(publicClient.json["grant_types"] == ["authorization_code"])
            #expect(publicClient.json["response_types"] == ["code"])
            #expect(publicClient.json["client_name"] == "Inspector")
            #expect(publicClient.json["client_id_issued_at"]?.intValue != nil)

            let confidential = try await issuer.register(["redirect_uris": ["https://app.example/cb"], "scope": "mcp:read mcp:tools"])
            #expect(confidential.status == .created)
            #expect(confidential.json["token_endpoint_auth_method"] == "client_secret_basic")
            #expect(confidential.json["client_secret"]?.stringValue.flatMap(Base64URL.decode)?.count == 32)
            #expect(confidential.json["client_secret_expires_at"] == 0)
            #expect(confidential.json["scope"] == "mcp:read mcp:tools")
            #expect(confidential.json["client_id"] != publicClient.json["client_id"])
        }
    }

    @Test("registration refuses what it cannot honour: invalid_redirect_uri or invalid_client_metadata, 400")
    func registrationErrors() async throws {
        try await Harness.run { issuer in
            let cases: [(JSONValue, String)] = [
                (["redirect_uris": ["http://app.example/cb"]], "invalid_redirect_uri"),
                (["redirect_uris": ["https://app.example/cb#fragment"]], "invalid_redirect_uri"),
                (["redirect_uris": ["not a url"]], "invalid_redirect_uri"),
                (["token_endpoint_auth_method": "none"], "invalid_redirect_uri"),
                (["redirect_uris": "https://app.example/cb"], "invalid_client_metadata"),
                (["redirect_uris": ["https://app.example/cb"], "token_endpoint_auth_method": "private_key_jwt"], "invalid_client_metadata"),
                (["redirect_uris": ["https://app.example/cb"], "grant_types": ["implicit"]], "invalid_client_metadata"),
                (["redirect_uris": ["https://app.example/cb"], "response_types": ["token"]], "invalid_client_metadata"),
                (["grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"], "invalid_client_metadata"),
                (["redirect_uris": ["https://app.example/cb"], "scope": "mcp:read root"], "invalid_client_metadata"),
                (["redirect_uris": ["https://app.example/cb"], "client_name": 42], "invalid_client_metadata"),
                (["redirect_uris", "https://app.example/cb"], "invalid_client_metadata"),
            ]
            for (metadata, error) in cases {
                let reply = try await issuer.register(metadata)
                #expect(reply.status == .badRequest, "\(metadata.jsonText)")
                #expect(reply.error == error, "\(metadata.jsonText)")
            }
            let notJSON = try await issuer.send(.post, "/register", headers: [.contentType: "application/json"], body: ByteBuffer(string: "{"))
            #expect(notJSON.error == "invalid_client_metadata")
        }
    }
}
