import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// No sign-in without the person seeing the page: the form is bound to the page the issuer showed and
/// refused from other sites (RFC 6749 §10.12), and the page says who asks (RFC 7591 §5).
extension IssuerTests {
    /// The authorization request of a fresh sign-in for `clientID`, and the token of the page it shows.
    func page(_ issuer: Harness, _ clientID: String, _ extra: [(String, String)] = []) async throws -> (request: [(String, String)], token: String) {
        let request = [
            ("response_type", "code"), ("client_id", clientID), ("code_challenge", Harness.challenge(Harness.verifier())),
            ("code_challenge_method", "S256"),
        ] + extra
        let page = try await issuer.send(.get, "/authorize?" + FormParameters.encode(request))
        return (request, try #require(Harness.formToken(in: page.text)))
    }

    @Test("A7a: a cross-site POST to /authorize is refused with 403 and no code, even with a good token")
    func crossSiteSignInIsRefused() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let (request, token) = try await page(issuer, client.id)
            let form = request + [("csrf_token", token), ("username", "ada"), ("consent", "approve")]
            for headers: HTTPFields in [
                [.origin: "https://attacker.example"], [.secFetchSite: "cross-site"], [.origin: "null"],
                [.secFetchSite: "same-site", .origin: Harness.issuer],
            ] {
                let reply = try await issuer.post("/authorize", form, headers: headers)
                #expect(reply.status == .forbidden, "\(headers)")
                #expect(reply.location == nil && reply.error == "access_denied", "\(headers)")
            }
            // No token at all, as a script or a cross-site form without CORS would post it.
            let bare = try await issuer.post("/authorize", request + [("username", "ada"), ("consent", "approve")])
            #expect(bare.status == .forbidden && bare.location == nil)
            let sameSite = try await issuer.post("/authorize", form, headers: [.origin: Harness.issuer, .secFetchSite: "same-origin"])
            #expect(sameSite.status == .found && sameSite.redirect["code"] != nil)
        }
    }

    @Test("a page's token is good for its own request only, and for ten minutes")
    func formTokenIsBoundToItsPage() async throws {
        let clock = TestClock()
        try await Harness.run(Harness.settings(clock: clock)) { issuer in
            let client = try await issuer.client()
            let (request, token) = try await page(issuer, client.id, [("scope", "mcp:read")])
            let post = { (request: [(String, String)], token: String) in
                try await issuer.post(
                    "/authorize", request + [("csrf_token", token), ("username", "alice"), ("consent", "approve")],
                    headers: [.origin: Harness.issuer])
            }
            let otherChallenge = request.map { $0.0 == "code_challenge" ? ($0.0, Harness.challenge(Harness.verifier())) : $0 }
            #expect(try await post(otherChallenge, token).status == .forbidden)
            let wider = request.map { $0.0 == "scope" ? ($0.0, "mcp:read mcp:tools") : $0 }
            #expect(try await post(wider, token).status == .forbidden)
            #expect(try await post(request, "1." + token.split(separator: ".")[1]).status == .forbidden)
            #expect(try await post(request, "garbage").status == .forbidden)
            clock.advance(by: 601)
            #expect(try await post(request, token).status == .forbidden)
            let (fresh, freshToken) = try await page(issuer, client.id, [("scope", "mcp:read")])
            #expect(try await post(fresh, freshToken).redirect["code"] != nil)
        }
    }

    @Test("A7b: CORS answers pages on this machine at /register, /token and /revoke; none at /introspect or /authorize")
    func corsOnlyForLocalPages() async throws {
        try await Harness.run { issuer in
            let preflight = { (path: String, origin: String) in
                try await issuer.send(.options, path, headers: [.origin: origin, .accessControlRequestMethod: "POST"])
            }
            for path in ["/register", "/token", "/revoke"] {
                let foreign = try await preflight(path, "https://attacker.example")
                #expect(foreign.status == .forbidden && foreign.headers[.accessControlAllowOrigin] == nil, "\(path)")
                let local = try await preflight(path, "http://localhost:6274")
                #expect(local.status == .noContent, "\(path)")
                #expect(local.headers[.accessControlAllowOrigin] == "http://localhost:6274" && local.headers[.vary] == "Origin", "\(path)")
            }
            let registration = try await issuer.send(
                .post, "/register", headers: [.contentType: "application/json", .origin: "https://attacker.example"],
                body: ByteBuffer(string: #"{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none"}"#))
            #expect(registration.status == .forbidden)
            let token = try await issuer.post("/token", [("grant_type", "client_credentials")], headers: [.origin: "https://attacker.example"])
            #expect(token.status == .forbidden && token.headers[.accessControlAllowOrigin] == nil)
            let local = try await issuer.post("/token", [("grant_type", "client_credentials")], headers: [.origin: "http://127.0.0.1:6274"])
            #expect(local.status == .unauthorized && local.headers[.accessControlAllowOrigin] == "http://127.0.0.1:6274")
            let introspection = try await issuer.post("/introspect", [("token", "x")], headers: [.origin: "http://localhost:6274"])
            #expect(introspection.status == .forbidden && introspection.headers[.accessControlAllowOrigin] == nil)
            let metadata = try await issuer.send(.get, "/.well-known/oauth-authorization-server", headers: [.origin: "https://app.example"])
            #expect(metadata.headers[.accessControlAllowOrigin] == "*")
            let client = try await issuer.client()
            let query = FormParameters.encode([
                ("response_type", "code"), ("client_id", client.id), ("code_challenge", Harness.challenge(Harness.verifier())),
                ("code_challenge_method", "S256"),
            ])
            let signIn = try await issuer.send(.get, "/authorize?" + query, headers: [.origin: "http://localhost:6274"])
            #expect(signIn.status == .ok && signIn.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("A9f: the page calls a self-registered name unverified and shows the client id and where the code goes")
    func pageSaysWhoAsks() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client(redirectURIs: ["http://127.0.0.1/callback"], name: "Claude Desktop")
            let query = FormParameters.encode([
                ("response_type", "code"), ("client_id", client.id), ("code_challenge", Harness.challenge(Harness.verifier())),
                ("code_challenge_method", "S256"), ("redirect_uri", "http://127.0.0.1:53123/callback"),
            ])
            let page = try await issuer.send(.get, "/authorize?" + query).text
            #expect(page.contains("<strong>Claude Desktop</strong> (the name it gave itself, not verified)"))
            #expect(page.contains("Client id <code>\(client.id)</code>"))
            #expect(page.contains("<strong>127.0.0.1:53123</strong>"))
            let console = FormParameters.encode([
                ("response_type", "code"), ("client_id", Harness.adminConsole), ("code_challenge", Harness.challenge(Harness.verifier())),
                ("code_challenge_method", "S256"),
            ])
            #expect(try await issuer.send(.get, "/authorize?" + console).text.contains("(configured by this issuer&#39;s operator)"))
        }
    }

    @Test("A9f: a client name with a bidi override, or any other invisible format or control character, is refused")
    func hiddenCharactersInNamesAreRefused() async throws {
        try await Harness.run { issuer in
            for name in ["Claude \u{202E}potkseD", "Zero\u{200B}width", "Line\u{2028}break", "Private\u{E000}use", "Tab\tname"] {
                let reply = try await issuer.register(["redirect_uris": ["http://127.0.0.1/cb"], "client_name": .string(name)])
                #expect(reply.status == .badRequest && reply.error == "invalid_client_metadata", "\(name.unicodeScalars.map(\.value))")
            }
            let accented = try await issuer.register(["redirect_uris": ["http://127.0.0.1/cb"], "client_name": "Zoë's café ✓"])
            #expect(accented.status == .created)
        }
    }

    @Test("the person may withhold scopes on the page; withholding every one is access_denied")
    func personMayWithholdScopes() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let narrow = try await issuer.tokens(client.id, username: "alice", withhold: ["mcp:tools"])
            #expect(narrow.json["scope"] == "mcp:read mcp:prompts")
            let none = try await issuer.authorize(
                client.id, verifier: Harness.verifier(), withhold: ["mcp:read", "mcp:tools", "mcp:prompts"])
            #expect(none.redirect["error"] == "access_denied" && none.redirect["code"] == nil, "\(none.status) \(none.location ?? "") \(none.text)")
        }
    }

    @Test("the page lets the browser name the page's origin when it posts the page's own form (Referrer-Policy: same-origin)")
    func pageLetsTheBrowserNameItsOrigin() async throws {
        // Under no-referrer a browser posts the form with "Origin: null" (Fetch, "append a request Origin
        // header"), which the guard refuses: a real browser could never sign in. The redirect to the
        // client still sends no Referer at all.
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let query = FormParameters.encode([
                ("response_type", "code"), ("client_id", client.id), ("code_challenge", Harness.challenge(Harness.verifier())),
                ("code_challenge_method", "S256"),
            ])
            let page = try await issuer.send(.get, "/authorize?" + query)
            #expect(page.status == .ok && page.headers[.referrerPolicy] == "same-origin")
            let redirect = try await issuer.authorize(client.id, verifier: Harness.verifier())
            #expect(redirect.status == .found && redirect.headers[.referrerPolicy] == "no-referrer")
        }
    }
}
