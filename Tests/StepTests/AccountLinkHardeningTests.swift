import Foundation
import Testing
import WorkshopSupport

@testable import Delegation

/// Account linking against what slips past a check: an answer naming its issuer twice or not at all
/// (RFC 9207), a link key others may read, and a link changed while a request was at the partner.
@Suite("Account linking: answers without their issuer, a key others can read, links changed meanwhile")
struct AccountLinkHardeningTests {
    static let tool = "partner_calendar_events"

    /// Alice's browser, stopped before the partner's answer reaches the callback; that answer's query.
    static func partnerAnswer(_ world: LinkWorld, _ browser: LinkBrowser) async throws -> URLComponents {
        let url = try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: world.token("alice"))))
        let atCallback = try await browser.open(url, signingInAs: ["alice", "alice"], stopBefore: "/link/callback")
        let location = try #require(atCallback.location)
        return try #require(URLComponents(string: location))
    }

    @Test("a partner answer naming its issuer twice, once wrongly, is refused (RFC 9207)")
    func answerNamingTwoIssuersIsRefused() async throws {
        try await LinkWorld.run { world in
            let browser = LinkBrowser()
            var callback = try await Self.partnerAnswer(world, browser)
            callback.queryItems?.append(URLQueryItem(name: "iss", value: world.home.url))
            let page = try await browser.get(callback.string!)
            #expect(page.status == 400 && !page.text.contains("Account linked"), "\(page.status) \(page.text)")
            #expect(try await world.linking.store.tokens(for: world.owner("alice")) == nil)
        }
    }

    @Test("a partner answer without iss is refused when the partner says it always sends one (RFC 9207 §2.4)")
    func answerWithoutIssuerIsRefused() async throws {
        try await LinkWorld.run { world in
            let browser = LinkBrowser()
            var callback = try await Self.partnerAnswer(world, browser)
            callback.queryItems = callback.queryItems?.filter { $0.name != "iss" }
            let page = try await browser.get(callback.string!)
            #expect(page.status == 400 && !page.text.contains("Account linked"), "\(page.status) \(page.text)")
            #expect(try await world.linking.store.tokens(for: world.owner("alice")) == nil)
        }
    }

    @Test("a sign-in answer without iss, or with a second one, is refused at the home issuer's step too")
    func signInAnswerWithoutIssuerIsRefused() async throws {
        try await LinkWorld.run { world in
            for tamper in [{ (items: [URLQueryItem]) in items.filter { $0.name != "iss" } }, { $0 + [URLQueryItem(name: "iss", value: "http://127.0.0.1:1")] }] {
                let browser = LinkBrowser()
                let url = try #require(LinkWorld.elicitedURL(try await world.modernCall(Self.tool, token: world.token("alice"))))
                let atSignedIn = try await browser.open(url, signingInAs: ["alice"], stopBefore: "/link/signed-in")
                let location = try #require(atSignedIn.location)
                var answer = try #require(URLComponents(string: location))
                answer.queryItems = tamper(answer.queryItems ?? [])
                let page = try await browser.get(answer.string!)
                #expect(page.status == 400, "\(page.status) \(page.text)")
                #expect(page.location == nil, "the browser was sent on to the partner")
            }
        }
    }

    @Test("a link key file that others may read stops the start, saying how to fix it")
    func readableLinkKeyStopsTheStart() throws {
        let folder = TestKeys.emptyFolder().directory
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("link.key")
        _ = try LinkKey.load(file)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        #expect {
            try LinkKey.load(file)
        } throws: { error in
            (error as? LinkKey.Problem)?.description.contains("chmod 600") == true
        }
    }

    @Test("a refresh that ends after partner_unlink does not bring the link back")
    func refreshAfterUnlinkStoresNothing() async throws {
        try await LinkWorld.run { world in
            try await DelegationOutboundTests.Stub().run { base in
                let partner = Partner(
                    issuer: base + "/refreshing", client: ClientSecret(clientID: LinkWorld.clientID, secret: "secret"), calendarURL: base + "/calendar")
                let alice = world.owner("alice")
                let expired = OAuthClient.Tokens(accessToken: "old", refreshToken: "old-refresh", expiresAt: Date() - 10, scope: nil)
                try await world.linking.store.save(expired, for: alice)
                async let refreshed = world.linking.refreshed(alice, partner)
                try await Task.sleep(for: .milliseconds(300))
                // partner_unlink, while the refresh is at the partner.
                #expect(try await world.linking.store.delete(for: alice))
                _ = try await refreshed
                #expect(try await world.linking.store.tokens(for: alice) == nil, "the unlinked account is linked again")
            }
        }
    }

    @Test("a refresh refused for this server's client (invalid_client) keeps the link: only invalid_grant ends it (RFC 6749 §5.2)")
    func refreshRefusedForTheClientKeepsTheLink() async throws {
        try await LinkWorld.run { world in
            try await DelegationOutboundTests.Stub().run { base in
                let partner = Partner(
                    issuer: base + "/misconfigured", client: ClientSecret(clientID: LinkWorld.clientID, secret: "secret"),
                    calendarURL: base + "/calendar")
                let alice = world.owner("alice")
                let expired = OAuthClient.Tokens(accessToken: "old", refreshToken: "old-refresh", expiresAt: Date() - 10, scope: nil)
                try await world.linking.store.save(expired, for: alice)
                await #expect(throws: AccountLinking.Problem.self) { _ = try await world.linking.refreshed(alice, partner) }
                #expect(try await world.linking.store.tokens(for: alice) == expired, "a misconfigured client cost alice her link")
            }
        }
    }

    @Test("a partner refusing the old token drops that link only: a new link made meanwhile stays")
    func refusedTokenDropsOnlyItsOwnLink() async throws {
        try await LinkWorld.run { world in
            try await DelegationOutboundTests.Stub().run { base in
                let partner = Partner(
                    issuer: base + "/refreshing", client: ClientSecret(clientID: LinkWorld.clientID, secret: "secret"),
                    calendarURL: base + "/refusing/calendar")
                let alice = world.owner("alice")
                let old = OAuthClient.Tokens(accessToken: "old", refreshToken: "old-refresh", expiresAt: Date() + 300, scope: nil)
                try await world.linking.store.save(old, for: alice)
                async let events = world.linking.calendarEvents(of: alice, partner)
                try await Task.sleep(for: .milliseconds(300))
                // Alice's new link, completed in her browser while the partner was refusing the old token.
                let new = OAuthClient.Tokens(accessToken: "new", refreshToken: "new-refresh", expiresAt: Date() + 300, scope: nil)
                try await world.linking.store.save(new, for: alice)
                #expect(try await events == nil)
                #expect(try await world.linking.store.tokens(for: alice) == new, "the new link was dropped for the old one's refusal")
            }
        }
    }
}

