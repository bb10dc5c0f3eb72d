import Foundation
import SQLiteNIO
import Testing
import WorkshopSupport

@testable import Delegation

/// Account linking by URL elicitation (MCP client/elicitation, "URL Mode Elicitation for OAuth Flows"),
/// end to end on loopback: two workshop issuers (home and partner), the partner's calendar, the Delegation
/// server, and a browser that follows redirects and keeps cookies.
@Suite("Account linking: URL elicitation, a partner sign-in, tokens kept per person")
struct AccountLinkTests {
    static let tool = "partner_calendar_events"

    /// Alice's browser opens `url` and signs in as alice at both issuers.
    static func link(_ url: String, in browser: LinkBrowser = LinkBrowser(), as user: String = "alice") async throws -> LinkBrowser.Page {
        try await browser.open(url, signingInAs: [user, user])
    }

    @Test("2025-11-25: -32042 with a URL; the user links in the browser; the retried call reads the partner calendar")
    func legacyEraLinksAndRetries() async throws {
        let capture = LogCapture()
        try await LinkWorld.run(logger: capture.logger) { world in
            let token = world.token("alice")
            try await world.initialize(token: token)
            let first = try await world.legacyCall(Self.tool, token: token)
            #expect(first["error"]?["code"]?.intValue == -32042, "\(first)")
            let elicitation = first["error"]?["data"]?["elicitations"]?.arrayValue?.first
            #expect(elicitation?["mode"] == "url" && elicitation?["elicitationId"]?.stringValue != nil)
            let url = try #require(LinkWorld.elicitedURL(first))
            #expect(url.hasPrefix(world.base + "/link/start?request="))
            let page = try await Self.link(url)
            #expect(page.status == 200 && page.text.contains("Account linked"), "\(page.text)")
            let retried = try await world.legacyCall(Self.tool, token: token)
            #expect(retried["result"]?["isError"] == false, "\(retried)")
            // The partner's calendar read alice's events with a token of the partner's own issuer, never the caller's.
            let calendar = retried["result"]?["structuredContent"]
            #expect(calendar?["calendar"] == "partner" && calendar?["via"] == .null)
            #expect(calendar?["owner"] == ["issuer": .string(world.partner.url), "subject": "alice"])
            #expect(calendar?["events"]?.arrayValue?.isEmpty == false)
            // The log tells the story without a handle, a code or a token in it.
            let stored = try #require(try await world.linking.store.tokens(for: world.owner("alice")))
            let request = try #require(URLComponents(string: url)?.queryItems?.first?.value)
            let secrets = [token, request, stored.accessToken, stored.refreshToken ?? "-", "code=", "state="]
            #expect(capture.lines.contains { $0.contains("Account linked") }, "\(capture.lines)")
            #expect(!capture.lines.contains { line in secrets.contains { line.contains($0) } }, "\(capture.lines)")
        }
    }

    @Test("2026-07-28: input_required with a URL and a sealed requestState; the retry with inputResponses completes")
    func modernEraLinksAndRetries() async throws {
        try await LinkWorld.run { world in
            let token = world.token("alice")
            let first = try await world.modernCall(Self.tool, token: token)
            let result = try #require(first["result"])
            #expect(result["resultType"] == "input_required", "\(first)")
            let ask = result["inputRequests"]?["link"]
            #expect(ask?["method"] == "elicitation/create" && ask?["params"]?["mode"] == "url")
            #expect(ask?["params"]?["elicitationId"] == nil, "2026-07-28 URL elicitations carry no elicitationId")
            let state = try #require(result["requestState"])
            let page = try await Self.link(try #require(LinkWorld.elicitedURL(first)))
            #expect(page.text.contains("Account linked"))
            let retried = try await world.modernCall(
                Self.tool, token: token, retry: ["inputResponses": ["link": ["action": "accept"]], "requestState": state])
            #expect(retried["result"]?["resultType"] == "complete", "\(retried)")
            #expect(retried["result"]?["structuredContent"]?["owner"] == ["issuer": .string(world.partner.url), "subject": "alice"])
            // The same state from someone else, or altered, is refused.
            let bobs = try await world.modernCall(Self.tool, token: world.token("bob"), retry: ["requestState": state])
            #expect(bobs["error"]?["code"]?.intValue == -32602, "\(bobs)")
            let altered = try await world.modernCall(Self.tool, token: token, retry: ["requestState": .string("x" + (state.stringValue ?? ""))])
            #expect(altered["error"]?["code"]?.intValue == -32602)
            let otherClient = try await world.modernCall(
                Self.tool, token: world.token("alice", clientID: "another-client"), retry: ["requestState": state])
            #expect(otherClient["error"]?["code"]?.intValue == -32602, "\(otherClient)")
        }
    }

    @Test("a retry before the link exists is asked again; a declined link ends in a tool error")
    func retryWithoutLinkAsksAgain() async throws {
        try await LinkWorld.run { world in
            let token = world.token("alice")
            let first = try await world.modernCall(Self.tool, token: token)
            let state = try #require(first["result"]?["requestState"])
            let again = try await world.modernCall(
                Self.tool, token: token, retry: ["inputResponses": ["link": ["action": "accept"]], "requestState": state])
            #expect(again["result"]?["resultType"] == "input_required")
            let declined = try await world.modernCall(
                Self.tool, token: token, retry: ["inputResponses": ["link": ["action": "decline"]], "requestState": state])
            #expect(declined["result"]?["isError"] == true, "\(declined)")
        }
    }

    @Test("a client that did not declare URL elicitation gets a tool error saying so, in both eras")
    func clientWithoutURLElicitationIsTold() async throws {
        try await LinkWorld.run { world in
            let token = world.token("alice")
            try await world.initialize(token: token, urlElicitation: false)
            for answer in [try await world.legacyCall(Self.tool, token: token), try await world.modernCall(Self.tool, token: token, urlElicitation: false)] {
                #expect(answer["result"]?["isError"] == true, "\(answer)")
                #expect(answer["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("URL elicitation") == true)
            }
        }
    }

    @Test("an expired partner token is refreshed before use, and the refresh token rotates")
    func expiredTokenIsRefreshed() async throws {
        // Partner tokens live 20 s, inside the 30 s margin: every use refreshes first.
        try await LinkWorld.run(partnerTokenLifetime: 20) { world in
            let token = world.token("alice")
            _ = try await Self.link(try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: token))))
            let before = try #require(try await world.linking.store.tokens(for: world.owner("alice")))
            let answer = try await world.modernCall(Self.tool, token: token)
            #expect(answer["result"]?["resultType"] == "complete", "\(answer)")
            let after = try #require(try await world.linking.store.tokens(for: world.owner("alice")))
            #expect(after.accessToken != before.accessToken && after.refreshToken != before.refreshToken)
        }
    }

    @Test("when the partner refuses the refresh or the token, the link is dropped and the user asked again")
    func refusedLinkIsDroppedAndElicitedAgain() async throws {
        try await LinkWorld.run(partnerTokenLifetime: 20) { world in
            let token = world.token("alice")
            _ = try await Self.link(try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: token))))
            let stored = try #require(try await world.linking.store.tokens(for: world.owner("alice")))
            await OAuthClient(issuer: world.partner.url, client: world.linking.partner!.client).revoke(stored.refreshToken!)
            let answer = try await world.modernCall(Self.tool, token: token)
            #expect(answer["result"]?["resultType"] == "input_required", "\(answer)")
            #expect(try await world.linking.store.tokens(for: world.owner("alice")) == nil)
        }
        try await LinkWorld.run { world in
            let token = world.token("alice")
            _ = try await Self.link(try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: token))))
            // A token the partner's calendar does not take (say, revoked there): 401.
            let stored = try #require(try await world.linking.store.tokens(for: world.owner("alice")))
            try await world.linking.store.save(
                OAuthClient.Tokens(accessToken: "not-a-partner-token", refreshToken: stored.refreshToken, expiresAt: Date() + 3600, scope: nil),
                for: world.owner("alice"))
            #expect(try await world.modernCall(Self.tool, token: token)["result"]?["resultType"] == "input_required")
            #expect(try await world.linking.store.tokens(for: world.owner("alice")) == nil)
        }
    }

    @Test("partner_unlink deletes the link and revokes the partner's grant; a second unlink finds none")
    func unlinkDeletesAndRevokes() async throws {
        try await LinkWorld.run { world in
            let token = world.token("alice")
            _ = try await Self.link(try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: token))))
            let stored = try #require(try await world.linking.store.tokens(for: world.owner("alice")))
            let unlinked = try await world.modernCall("partner_unlink", token: token)
            #expect(unlinked["result"]?["structuredContent"]?["unlinked"] == true, "\(unlinked)")
            #expect(try await world.linking.store.tokens(for: world.owner("alice")) == nil)
            await #expect(throws: OAuthClient.Failure.self) {
                _ = try await OAuthClient(issuer: world.partner.url, client: world.linking.partner!.client)
                    .refresh(stored.refreshToken!, resource: world.calendar)
            }
            #expect(try await world.modernCall("partner_unlink", token: token)["result"]?["structuredContent"]?["unlinked"] == false)
            #expect(try await world.modernCall(Self.tool, token: token)["result"]?["resultType"] == "input_required")
        }
    }

    // MARK: hostile cases

    @Test("a partner callback with a state issued to alice, completed in bob's browser, fails; alice's own still works")
    func callbackInAnotherBrowserFails() async throws {
        try await LinkWorld.run { world in
            let alice = LinkBrowser(), bob = LinkBrowser()
            // Bob has a link session of his own: his browser holds a valid cookie, just not alice's.
            _ = try await bob.open(
                try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: world.token("bob")))), signingInAs: [],
                stopBefore: "/authorize")
            #expect(bob.cookie(PendingLinks.cookieName, at: world.base) != nil)
            let url = try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: world.token("alice"))))
            let atCallback = try await alice.open(url, signingInAs: ["alice", "alice"], stopBefore: "/link/callback")
            let callback = try #require(atCallback.location)
            let stolen = try await bob.get(callback)
            #expect(stolen.status == 403 && stolen.text.contains("another browser"), "\(stolen.status) \(stolen.text)")
            #expect(!stolen.text.contains(URLComponents(string: callback)!.queryItems!.first { $0.name == "state" }!.value!))
            #expect(try await world.linking.store.tokens(for: world.owner("alice")) == nil)
            #expect(try await world.linking.store.tokens(for: world.owner("bob")) == nil)
            let own = try await alice.get(callback)
            #expect(own.text.contains("Account linked"))
            #expect(try await world.linking.store.tokens(for: world.owner("alice")) != nil)
        }
    }

    @Test("bob opening alice's link and signing in as bob is refused: nothing is linked for either")
    func anotherUserSigningInIsRefused() async throws {
        try await LinkWorld.run { world in
            let url = try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: world.token("alice"))))
            let page = try await LinkBrowser().open(url, signingInAs: ["bob", "bob"])
            #expect(page.status == 403 && page.text.contains("requested by another user"), "\(page.status) \(page.text)")
            #expect(try await world.linking.store.tokens(for: world.owner("alice")) == nil)
            #expect(try await world.linking.store.tokens(for: world.owner("bob")) == nil)
        }
    }

    @Test("a link request id works once: the second opening is refused")
    func requestIDIsSingleUse() async throws {
        try await LinkWorld.run { world in
            let url = try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: world.token("alice"))))
            let first = try await LinkBrowser().get(url)
            #expect(first.status == 302)
            // The browser binding: unreadable to scripts, sent back on the issuers' redirects, only to /link.
            let cookie = first.headers.first(name: "Set-Cookie") ?? ""
            #expect(cookie.hasPrefix("\(PendingLinks.cookieName)=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Path=/link"))
            let second = try await LinkBrowser().get(url)
            #expect(second.status == 400 && second.text.contains("already used"), "\(second.status) \(second.text)")
        }
    }

    @Test("a link request past its ten minutes is refused as expired")
    func expiredRequestIsRefused() async throws {
        try await LinkWorld.run { world in
            let url = try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: world.token("alice"))))
            world.clock.advance(by: PendingLinks.lifetime + 1)
            let page = try await LinkBrowser().get(url)
            #expect(page.status == 400 && page.text.contains("expired"), "\(page.status) \(page.text)")
        }
    }

    @Test("a sign-in or callback state replayed after use is refused, and links nothing more")
    func replayedStateIsRefused() async throws {
        try await LinkWorld.run { world in
            let browser = LinkBrowser()
            let url = try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: world.token("alice"))))
            let atSignedIn = try await browser.open(url, signingInAs: ["alice"], stopBefore: "/link/signed-in")
            let signedIn = try #require(atSignedIn.location)
            // A handle is good for its own step only: the sign-in's state is no partner callback.
            let misplaced = signedIn.replacingOccurrences(of: "/link/signed-in", with: "/link/callback")
            #expect(try await browser.get(misplaced).status == 400)
            let atCallback = try await browser.open(signedIn, signingInAs: ["alice"], stopBefore: "/link/callback")
            let callback = try #require(atCallback.location)
            #expect(try await browser.get(callback).text.contains("Account linked"))
            for replayed in [signedIn, callback] {
                let page = try await browser.get(replayed)
                #expect(page.status == 400 && page.text.contains("already used"), "\(page.status) \(page.text)")
            }
        }
    }

    @Test("a partner answer naming another issuer (RFC 9207 iss) is refused")
    func answerFromAnotherIssuerIsRefused() async throws {
        try await LinkWorld.run { world in
            let browser = LinkBrowser()
            let url = try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: world.token("alice"))))
            let atCallback = try await browser.open(url, signingInAs: ["alice", "alice"], stopBefore: "/link/callback")
            let location = try #require(atCallback.location)
            var callback = try #require(URLComponents(string: location))
            #expect(callback.queryItems?.contains { $0.name == "iss" && $0.value == world.partner.url } == true)
            callback.queryItems = callback.queryItems?.map { $0.name == "iss" ? URLQueryItem(name: "iss", value: world.home.url) : $0 }
            let page = try await browser.get(callback.string!)
            #expect(page.status == 400 && !page.text.contains("Account linked"), "\(page.status) \(page.text)")
            #expect(try await world.linking.store.tokens(for: world.owner("alice")) == nil)
        }
    }

    @Test("a sealed link moved to another owner's row does not open")
    func movedRowDoesNotOpen() async throws {
        try await LinkWorld.run { world in
            let token = world.token("alice")
            _ = try await Self.link(try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: token))))
            #expect(try await world.linking.store.tokens(for: world.owner("alice")) != nil)
            try await world.linking.store.database.write { db in
                _ = try await db.query("UPDATE partner_links SET owner_subject = 'bob' WHERE owner_subject = 'alice'")
            }
            #expect(try await world.linking.store.tokens(for: world.owner("bob")) == nil)
            let bobs = try await world.modernCall(Self.tool, token: world.token("bob"))
            #expect(bobs["result"]?["resultType"] == "input_required", "\(bobs)")
        }
    }

    @Test("the link key is created readable by its owner alone; a key file of the wrong size stops the start")
    func linkKeyIsPrivate() throws {
        let folder = TestKeys.emptyFolder().directory
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("link.key")
        let key = try LinkKey.load(file)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try LinkKey.load(file) == key, "a second start reads the same key")
        try Data("short".utf8).write(to: file)
        #expect(throws: LinkKey.Problem.self) { try LinkKey.load(file) }
    }

    @Test("a machine caller sees no partner tools and gets a tool error that says why")
    func machineCallerGetsToolError() async throws {
        try await LinkWorld.run { world in
            let machine = world.token("a-service", clientID: "a-service")
            let list = try await world.mcp(
                MCPMessage.request("tools/list", params: ["_meta": MCPMessage.meta]), token: machine,
                headers: [("MCP-Protocol-Version", MCPMessage.version), ("Mcp-Method", "tools/list")])
            let names = list["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(!names.isEmpty && !names.contains(Self.tool) && !names.contains("partner_unlink"), "\(list)")
            let answer = try await world.modernCall(Self.tool, token: machine)
            #expect(answer["result"]?["isError"] == true, "\(answer)")
            #expect(answer["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("person") == true)
            let personList = try await world.mcp(
                MCPMessage.request("tools/list", params: ["_meta": MCPMessage.meta]), token: world.token("alice"),
                headers: [("MCP-Protocol-Version", MCPMessage.version), ("Mcp-Method", "tools/list")])
            #expect(personList["result"]?["tools"]?.arrayValue?.contains { $0["name"] == .string(Self.tool) } == true)
        }
    }
}
