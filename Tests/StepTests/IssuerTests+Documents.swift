import Foundation
import HTTPTypes
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// Clients whose client_id is the https URL of their metadata document (draft-ietf-oauth-client-id-metadata-document,
/// MCP 2026-07-28 "Client ID Metadata Documents"), served over real HTTPS by `DocumentHost`.
@Suite("Clients known by their metadata documents")
struct DocumentClientTests {
    typealias Harness = IssuerHarness

    @Test("a client whose client_id is its document's URL signs in on any loopback port and gets tokens, never mcp:admin")
    func publicClient() async throws {
        try await DocumentHost.run { host in
            let id = host.url("/oauth/client.json")
            host.serve("/oauth/client.json", document: Harness.document(id, redirectURIs: ["http://localhost/callback"]))
            try await Harness.run(Harness.documentSettings()) { issuer in
                // RFC 8252 §7.3: the document lists the loopback URI without a port; the client listens on any.
                let redirect = "http://localhost:51234/callback"
                let granted = try #require(try await issuer.code(id, redirectURI: redirect, username: "ada", scope: "mcp:read mcp:admin"))
                let reply = try await issuer.redeem(granted.code, verifier: granted.verifier, redirectURI: redirect, [("client_id", id)])
                #expect(reply.status == .ok)
                // ada is an admin, but a client that registered itself never holds mcp:admin (decision 4).
                #expect(reply.json["scope"] == "mcp:read")
                #expect(Harness.claims(reply.json["access_token"]?.stringValue)["client_id"] == .string(id))
                let refreshed = try await issuer.post("/token", [
                    ("grant_type", "refresh_token"), ("refresh_token", reply.json["refresh_token"]?.stringValue ?? ""), ("client_id", id),
                ])
                #expect(refreshed.status == .ok)
            }
        }
    }

    @Test("the consent page names the document's host as verified, the name as not verified, the client id and where the answer goes")
    func consentPage() async throws {
        try await DocumentHost.run { host in
            let id = host.url("/app.json")
            host.serve("/app.json", document: Harness.document(id, name: "Notes <Pro>", redirectURIs: ["https://notes.example/callback"]))
            try await Harness.run(Harness.documentSettings()) { issuer in
                let page = try await issuer.authorizationPage(id, html: true)
                #expect(page.status == .ok)
                #expect(page.text.contains("Verified: <strong>localhost</strong>"))
                #expect(page.text.contains("The name <strong>Notes &lt;Pro&gt;</strong> is what that document says, not verified"))
                #expect(page.text.contains("<code>\(id)</code>"))
                #expect(page.text.contains("<strong>notes.example</strong>: <code>https://notes.example/callback</code>"))
                #expect(!page.text.contains(#"class="warning""#))
            }
        }
    }

    @Test("the consent page warns when every redirect URI of the document is on this machine")
    func localhostWarning() async throws {
        try await DocumentHost.run { host in
            let id = host.url("/cli.json")
            host.serve("/cli.json", document: Harness.document(id, name: "Some CLI", redirectURIs: ["http://localhost/cb", "http://127.0.0.1/cb"]))
            try await Harness.run(Harness.documentSettings()) { issuer in
                let page = try await issuer.authorizationPage(id, redirectURI: "http://127.0.0.1:4000/cb", html: true)
                #expect(page.status == .ok)
                #expect(page.text.contains(#"<p class="warning"><strong>Warning:</strong>"#))
                #expect(page.text.contains("Another program on this machine could pretend to be Some CLI"))
                #expect(page.text.contains("<strong>127.0.0.1:4000</strong>"))
            }
        }
    }

    @Test("a private_key_jwt client authenticates with an assertion signed by a key at its jwks_uri, each assertion once")
    func privateKeyJWT() async throws {
        try await DocumentHost.run { host in
            let id = host.url("/signed.json")
            host.serve("/jwks.json", document: ClientKey.jwks)
            host.serve("/signed.json", document: Harness.document(id, [
                "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": .string(host.url("/jwks.json")),
                "token_endpoint_auth_signing_alg": "RS256",
            ]))
            try await Harness.run(Harness.documentSettings()) { issuer in
                let redirect = "http://127.0.0.1/callback"
                let granted = try #require(try await issuer.code(id, redirectURI: redirect))
                let withoutAssertion = try await issuer.redeem(granted.code, verifier: granted.verifier, redirectURI: redirect, [("client_id", id)])
                #expect(withoutAssertion.status == .unauthorized)
                #expect(withoutAssertion.json["error_description"] == "This client's metadata document says it authenticates with private_key_jwt.")

                let again = try #require(try await issuer.code(id, redirectURI: redirect))
                let assertion = ClientKey.assertion(id)
                let reply = try await issuer.redeem(again.code, verifier: again.verifier, redirectURI: redirect, ClientKey.authentication(assertion))
                #expect(reply.status == .ok)
                let refreshToken = reply.json["refresh_token"]?.stringValue ?? ""
                let replayed = try await issuer.post(
                    "/token", [("grant_type", "refresh_token"), ("refresh_token", refreshToken)] + ClientKey.authentication(assertion))
                #expect(replayed.status == .unauthorized)
                #expect(replayed.json["error_description"] == "The client_assertion was already used: its jti has been seen before.")
                // RFC 7523 §3: the issuer identifier names this issuer as well as its token endpoint does.
                let fresh = ClientKey.assertion(id) { $0["aud"] = .string(Harness.issuer) }
                let refreshed = try await issuer.post(
                    "/token", [("grant_type", "refresh_token"), ("refresh_token", refreshToken)] + ClientKey.authentication(fresh))
                #expect(refreshed.status == .ok)
                #expect(host.requests("/jwks.json") == 1)
            }
        }
    }

    @Test("a document is kept as its Cache-Control allows: no-store is obeyed, max-age is held within 60 s and 24 h")
    func caching() async throws {
        try await DocumentHost.run { host in
            let clock = TestClock()
            try await Harness.run(Harness.documentSettings(clock: clock)) { issuer in
                for (path, cacheControl) in [("/kept.json", "max-age=600"), ("/short.json", "max-age=5"), ("/none.json", nil), ("/never.json", "no-store")] {
                    host.serve(path, document: Harness.document(host.url(path)), cacheControl: cacheControl)
                }
                func load(_ path: String) async throws {
                    #expect(try await issuer.authorizationPage(host.url(path)).status == .ok, "\(path)")
                }
                for path in ["/kept.json", "/short.json", "/none.json", "/never.json"] { try await load(path) }
                clock.advance(by: 59)
                for path in ["/kept.json", "/short.json", "/none.json", "/never.json"] { try await load(path) }
                let counts = [host.requests("/kept.json"), host.requests("/short.json"), host.requests("/none.json")]
                #expect(counts == [1, 1, 1])
                #expect(host.requests("/never.json") == 2)
                clock.advance(by: 2)  // 61 s: max-age=5 was held to a minute
                try await load("/short.json")
                try await load("/kept.json")
                #expect(host.requests("/short.json") == 2 && host.requests("/kept.json") == 1)
                clock.advance(by: 240)  // 301 s: without max-age a document is kept five minutes
                try await load("/none.json")
                #expect(host.requests("/none.json") == 2)
            }
        }
    }

    @Test("a failed fetch is never kept: once the document is there, the client is accepted")
    func failuresAreNotKept() async throws {
        try await DocumentHost.run { host in
            let id = host.url("/late.json")
            try await Harness.run(Harness.documentSettings()) { issuer in
                let missing = try await issuer.authorizationPage(id)
                #expect(missing.error == "invalid_client")
                host.serve("/late.json", document: Harness.document(id))
                let found = try await issuer.authorizationPage(id)
                #expect(found.status == .ok)
            }
        }
    }

    @Test("a registration without application_type is web, as OpenID Connect says; native is kept; anything else is refused")
    func applicationType() async throws {
        try await Harness.run { issuer in
            let loopback: JSONValue = ["redirect_uris": ["http://127.0.0.1:8000/callback"], "token_endpoint_auth_method": "none"]
            let plain = try await issuer.register(loopback)
            #expect(plain.status == .created)
            #expect(plain.json["application_type"] == "web")
            var native = loopback.objectValue!
            native["application_type"] = "native"
            native["redirect_uris"] = ["http://127.0.0.1:33418/", "https://vscode.dev/redirect"]
            #expect(try await issuer.register(.object(native)).json["application_type"] == "native")
            native["application_type"] = "desktop"
            let refused = try await issuer.register(.object(native))
            #expect(refused.status == .badRequest)
            #expect(refused.json["error"] == "invalid_client_metadata")
            #expect(refused.json["error_description"] == "application_type must be web or native.")
        }
    }

    @Test("serve --cimd-trusted-host and --cimd-ca-file trust hosts and a CA for document fetches, and refuse what cannot be used")
    func commandLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cimd-ca-\(UUID().uuidString).pem")
        try Data(TestCA.trusted.pem.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = try IssuerOptions.parse(["--cimd-trusted-host", "LocalHost", "--cimd-trusted-host", "::1", "--cimd-ca-file", file.path]).settings()
        #expect(settings.documents.trustedHosts == ["localhost", "::1"])
        #expect(settings.documents.extraRoots == [TestCA.trusted.root])
        #expect(try IssuerOptions.parse([]).settings().documents.trustedHosts.isEmpty)
        for host in ["https://localhost", "localhost:8443", "", "local/host"] {
            #expect(throws: (any Error).self, "\(host)") { try IssuerOptions.parse(["--cimd-trusted-host", host]) }
        }
        try Data("not a certificate".utf8).write(to: file)
        let error = #expect(throws: IssuerStartFailure.self) { try IssuerOptions.parse(["--cimd-ca-file", file.path]).settings() }
        #expect(error?.description == "--cimd-ca-file \(file.path): expected PEM certificates (-----BEGIN CERTIFICATE-----).")
    }
}
