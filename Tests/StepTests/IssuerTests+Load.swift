import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// One client can never lock out the others: limits are per client, what is never used is forgotten,
/// and every refusal for load says when to try again (RFC 6585 §4, RFC 9110 §10.2.3).
extension IssuerTests {
    /// Small limits: a flood reaches them in a few requests.
    static func smallLimits(_ settings: inout IssuerSettings) {
        settings.limits.perClient = .init(pendingCodes: 3, grants: 3, accessTokens: 5)
        settings.limits.pendingCodes = 8
        settings.limits.grants = 8
        settings.limits.accessTokens = 12
    }

    /// A sign-in that the victim, a client of its own, must still get through: code, token, refresh.
    func victimSignsInAndRefreshes(_ issuer: Harness) async throws {
        let victim = try await issuer.client()
        let tokens = try await issuer.tokens(victim.id, username: "bob")
        #expect(tokens.status == .ok, "the victim's sign-in: \(tokens.status) \(tokens.text)")
        let refreshed = try await issuer.post("/token", [
            ("grant_type", "refresh_token"), ("refresh_token", tokens.json["refresh_token"]?.stringValue ?? ""), ("client_id", victim.id),
        ])
        #expect(refreshed.status == .ok, "the victim's refresh: \(refreshed.status) \(refreshed.text)")
    }

    @Test("the flood: one client's code flows and refreshes end in 429 with Retry-After for it; another client's sign-in and refresh still work")
    func oneClientsFloodLeavesOthersWorking() async throws {
        try await Harness.run(Harness.settings(change: Self.smallLimits)) { issuer in
            let flooder = try await issuer.client()
            var refused: [Harness.Reply] = []
            var refresh: String?
            for _ in 0..<10 {
                let verifier = Harness.verifier()
                let signIn = try await issuer.authorize(flooder.id, verifier: verifier)
                guard let code = signIn.redirect["code"] else {
                    #expect(signIn.redirect["error"] == "temporarily_unavailable")  // its codes wait at the limit
                    continue
                }
                let reply = try await issuer.post("/token", [
                    ("grant_type", "authorization_code"), ("code", code), ("client_id", flooder.id), ("code_verifier", verifier),
                ])
                if reply.status == .ok { refresh = reply.json["refresh_token"]?.stringValue } else { refused.append(reply) }
            }
            for _ in 0..<10 {
                let reply = try await issuer.post("/token", [("grant_type", "refresh_token"), ("refresh_token", refresh ?? ""), ("client_id", flooder.id)])
                if reply.status == .ok { refresh = reply.json["refresh_token"]?.stringValue } else { refused.append(reply) }
            }
            #expect(!refused.isEmpty)
            for reply in refused {
                #expect(reply.status == .tooManyRequests && reply.error == "temporarily_unavailable", "\(reply.status) \(reply.text)")
                #expect(Int(reply.headers[.retryAfter] ?? "").map { $0 > 0 } == true)
            }
            try await victimSignsInAndRefreshes(issuer)
        }
    }

    @Test("D1a: a client_credentials flood is never recorded, so it fills nothing: another client's sign-in and refresh still work")
    func clientCredentialsFloodFillsNothing() async throws {
        try await Harness.run(Harness.settings(change: Self.smallLimits)) { issuer in
            let robot = try await issuer.client("client_secret_post", grantTypes: ["client_credentials"])
            for _ in 0..<30 {
                let reply = try await issuer.post("/token", [
                    ("grant_type", "client_credentials"), ("client_id", robot.id), ("client_secret", robot.secret ?? ""),
                ])
                #expect(reply.status == .ok)
            }
            try await victimSignsInAndRefreshes(issuer)
        }
    }

    @Test("D1b: one client's unredeemed codes stop at its own limit (temporarily_unavailable); another client still signs in")
    func pendingCodesArePerClient() async throws {
        try await Harness.run(Harness.settings(change: Self.smallLimits)) { issuer in
            let flooder = try await issuer.client()
            var errors: [String?] = []
            for _ in 0..<10 {
                errors.append(try await issuer.authorize(flooder.id, verifier: Harness.verifier()).redirect["error"])
            }
            #expect(errors.prefix(3).allSatisfy { $0 == nil })
            #expect(errors.dropFirst(3).allSatisfy { $0 == "temporarily_unavailable" })
            try await victimSignsInAndRefreshes(issuer)
        }
    }

    @Test("D1c: one client's grants stop at its own limit, 429 with Retry-After, and revoking one makes room")
    func grantsArePerClient() async throws {
        let clock = TestClock()
        let settings = Harness.settings(clock: clock) {
            Self.smallLimits(&$0)
            $0.tokenLifetime = 300
        }
        try await Harness.run(settings) { issuer in
            let flooder = try await issuer.client()
            var refreshTokens: [String] = []
            for _ in 0..<3 { refreshTokens.append(try await issuer.tokens(flooder.id).json["refresh_token"]?.stringValue ?? "") }
            let refused = try await issuer.tokens(flooder.id)
            #expect(refused.status == .tooManyRequests)
            // Its grants live as long as their refresh tokens: a day, in whole minutes.
            #expect(refused.headers[.retryAfter] == "86400")
            try await victimSignsInAndRefreshes(issuer)
            #expect(try await issuer.post("/revoke", [("token", refreshTokens[0]), ("client_id", flooder.id)]).status == .ok)
            clock.advance(by: 301)  // the revoked grant's last access token has expired
            let again = try await issuer.tokens(flooder.id)
            #expect(again.status == .ok, "\(again.status) \(again.text)")
        }
    }

    @Test("when the issuer as a whole is full it answers 503 with Retry-After")
    func issuerFullSaysWhenToRetry() async throws {
        try await Harness.run(Harness.settings { $0.limits.grants = 2 }) { issuer in
            for _ in 0..<2 { #expect(try await issuer.tokens(try await issuer.client().id).status == .ok) }
            let full = try await issuer.tokens(try await issuer.client().id)
            #expect(full.status == .serviceUnavailable && full.error == "temporarily_unavailable")
            #expect(Int(full.headers[.retryAfter] ?? "").map { $0 > 0 } == true)
        }
    }

    @Test("G4a: registration never closes for good: an unused client makes room, one in use stays; 503 with Retry-After only when all are in use")
    func registrationNeverClosesForGood() async throws {
        let clock = TestClock()
        try await Harness.run(Harness.settings(clock: clock) { $0.limits.clients = 3 }) { issuer in
            let used = try await issuer.client()
            #expect(try await issuer.tokens(used.id).status == .ok)
            let unused = try await issuer.client()
            clock.advance(by: 1)
            _ = try await issuer.client()
            for _ in 0..<20 { #expect(try await issuer.register(["redirect_uris": ["http://127.0.0.1/cb"]]).status == .created) }
            let page = { (id: String) in try await issuer.authorize(id, verifier: Harness.verifier()).status }
            #expect(try await page(used.id) == .found)
            #expect(try await page(unused.id) == .badRequest)  // forgotten: the oldest that never got a token
            let newcomer = try await issuer.client()
            #expect(try await issuer.tokens(newcomer.id).status == .ok)

            let other = try await issuer.client()
            #expect(try await issuer.tokens(other.id).status == .ok)
            let full = try await issuer.register(["redirect_uris": ["http://127.0.0.1/cb"]])
            #expect(full.status == .serviceUnavailable && full.error == "temporarily_unavailable")
            #expect(full.headers[.retryAfter] != nil)
        }
    }

    @Test("a grant remembers its own spent refresh tokens: another client's endless refreshing cannot make a replay go unnoticed")
    func reuseDetectionIsPerGrant() async throws {
        try await Harness.run(Harness.settings { $0.limits.perClient.accessTokens = 1000 }) { issuer in
            let victim = try await issuer.client()
            let first = try await issuer.tokens(victim.id)
            let refresh = { (client: String, token: String?) in
                try await issuer.post("/token", [("grant_type", "refresh_token"), ("refresh_token", token ?? ""), ("client_id", client)])
            }
            let stolen = first.json["refresh_token"]?.stringValue
            let second = try await refresh(victim.id, stolen)
            let flooder = try await issuer.client()
            var token = try await issuer.tokens(flooder.id).json["refresh_token"]?.stringValue
            for _ in 0..<60 { token = try await refresh(flooder.id, token).json["refresh_token"]?.stringValue }
            let replay = try await refresh(victim.id, stolen)
            #expect(replay.error == "invalid_grant" && replay.text.contains("already used"))
            #expect(try await refresh(victim.id, second.json["refresh_token"]?.stringValue).error == "invalid_grant")
        }
    }

    @Test("a grant ends thirty days after the sign-in, however often its refresh token is used")
    func grantsHaveAnAbsoluteLifetime() async throws {
        let clock = TestClock()
        try await Harness.run(Harness.settings(clock: clock)) { issuer in
            let client = try await issuer.client()
            var token = try await issuer.tokens(client.id).json["refresh_token"]?.stringValue
            var last = Harness.Reply(status: .ok, headers: [:], text: "")
            for _ in 0..<40 {
                clock.advance(by: 23 * 3600)
                last = try await issuer.post("/token", [("grant_type", "refresh_token"), ("refresh_token", token ?? ""), ("client_id", client.id)])
                guard last.status == .ok else { break }
                token = last.json["refresh_token"]?.stringValue
            }
            #expect(last.error == "invalid_grant")
            #expect(try await issuer.tokens(client.id).status == .ok)  // the person signs in again
        }
    }
}
