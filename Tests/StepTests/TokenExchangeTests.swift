import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// RFC 8693 token exchange at the workshop issuer, over real HTTP on loopback: a server the operator
/// allows trades its user's access token for a short-lived, narrower token for another API, naming
/// itself in `act` (§4.1), and every other request gets the RFC's error (§2.2.2).
@Suite("Token exchange at the workshop issuer (RFC 8693)")
struct TokenExchangeTests {
    typealias Harness = IssuerHarness

    static let mcp = "http://127.0.0.1:9000/mcp"
    static let calendar = "http://127.0.0.1:9100/calendar"
    static let grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    static let server = (id: "workshop-delegation", secret: "workshop-delegation-secret-for-the-tests-only")
    static let other = (id: "other-server", secret: "other-server-secret-for-the-tests-only-too")
    /// The MCP server may exchange its users' tokens for the calendar; another confidential client may not.
    static let clients = """
        {"clients": [
          {"client_id": "\(server.id)", "client_secret": "\(server.secret)",
           "redirect_uris": ["http://127.0.0.1:9000/link/signed-in"], "grant_types": ["authorization_code", "\(grantType)"],
           "scope": "mcp:read",
           "token_exchange": {"subject_audience": "\(mcp)", "targets": {"\(calendar)": {"calendar:read": "mcp:read"}}}},
          {"client_id": "\(other.id)", "client_secret": "\(other.secret)", "grant_types": ["client_credentials"]}
        ]}
        """

    static func settings(clock: TestClock = TestClock()) -> IssuerSettings {
        Harness.settings(clock: clock) { settings in
            settings.clients += try! ClientsFile.parse(Data(clients.utf8), now: clock.now, source: "test")
        }
    }

    /// A user's access token for `resource`, as the user's own MCP client (self-registered, public) gets it.
    static func userToken(
        _ issuer: Harness, _ username: String = "alice", resource: String = mcp, scope: String? = nil
    ) async throws -> (access: String, refresh: String, clientID: String) {
        let client = try await issuer.client().id
        let reply = try await issuer.tokens(client, username: username, [("resource", resource)] + (scope.map { [("scope", $0)] } ?? []))
        let access = try #require(reply.json["access_token"]?.stringValue)
        return (access, reply.json["refresh_token"]?.stringValue ?? "", client)
    }

    /// POST /token with the exchange grant: by default the calendar for `calendar:read`, as `server`.
    static func exchange(
        _ issuer: Harness, _ subject: String, _ change: [(String, String?)] = [], as client: (id: String, secret: String) = server
    ) async throws -> Harness.Reply {
        var form: [(String, String?)] = [
            ("grant_type", grantType), ("subject_token", subject), ("subject_token_type", accessTokenType),
            ("resource", calendar), ("scope", "calendar:read"),
        ]
        for (name, value) in change {
            form.removeAll { $0.0 == name }
            form.append((name, value))
        }
        return try await issuer.post("/token", form.compactMap { pair in pair.1.map { (pair.0, $0) } }, headers: Harness.basic(client.id, client.secret))
    }

    @Test("alice's token for the MCP server becomes a 60-second calendar:read token for the calendar, naming the server in act")
    func exchangeSucceeds() async throws {
        let clock = TestClock()
        try await Harness.run(Self.settings(clock: clock), live: true) { issuer in
            let alice = try await Self.userToken(issuer)
            let reply = try await Self.exchange(issuer, alice.access)
            #expect(reply.status == .ok && reply.headers[.cacheControl] == "no-store")
            let json = reply.json
            #expect(json["issued_token_type"] == .string(Self.accessTokenType) && json["token_type"] == "Bearer")
            #expect(json["scope"] == "calendar:read" && json["expires_in"] == 60 && json["refresh_token"] == nil)
            let token = try #require(json["access_token"]?.stringValue)
            #expect(AccessTokenReader(desk: issuer.desk).claims(of: token, issuer: Harness.issuer) != nil)
            let claims = Harness.claims(token), subject = Harness.claims(alice.access)
            #expect(claims["iss"] == .string(Harness.issuer) && claims["sub"] == "alice" && claims["aud"] == .string(Self.calendar))
            #expect(claims["client_id"] == .string(Self.server.id) && claims["act"] == ["sub": .string(Self.server.id)])
            #expect(claims["scope"] == "calendar:read" && claims["preferred_username"] == "alice" && claims["roles"] == ["user"])
            let exp = try #require(claims["exp"]?.intValue)
            #expect(exp == clock.now + 60 && exp <= subject["exp"]!.intValue! && claims["jti"] != subject["jti"])
        }
    }

    @Test("the exchanged token never outlives its subject token, and scope or audience may be left to the policy")
    func exchangedTokenEndsWithItsSubject() async throws {
        let clock = TestClock()
        try await Harness.run(Self.settings(clock: clock), live: true) { issuer in
            let alice = try await Self.userToken(issuer)
            let subjectExp = try #require(Harness.claims(alice.access)["exp"]?.intValue)
            clock.advance(by: subjectExp - clock.now - 20)
            // No scope: every target scope the subject allows; `audience` names the target as `resource` does.
            let reply = try await Self.exchange(issuer, alice.access, [("scope", nil), ("resource", nil), ("audience", Self.calendar)])
            #expect(reply.status == .ok && reply.json["scope"] == "calendar:read" && reply.json["expires_in"] == 20)
            #expect(Harness.claims(reply.json["access_token"]?.stringValue)["exp"] == .int(subjectExp))
            let both = try await Self.exchange(issuer, alice.access, [("audience", Self.calendar)])
            #expect(both.status == .ok)
        }
    }

    @Test("revoking the user's grant revokes the tokens exchanged from it: introspection says inactive")
    func exchangedTokenDiesWithTheGrant() async throws {
        try await Harness.run(Self.settings(), live: true) { issuer in
            let alice = try await Self.userToken(issuer)
            let exchanged = try #require(try await Self.exchange(issuer, alice.access).json["access_token"]?.stringValue)
            let before = try await issuer.post("/introspect", [("token", exchanged)], headers: Harness.introspector)
            #expect(before.json["active"] == true && before.json["client_id"] == .string(Self.server.id))
            _ = try await issuer.post("/revoke", [("token", alice.refresh), ("client_id", alice.clientID)])
            let after = try await issuer.post("/introspect", [("token", exchanged)], headers: Harness.introspector)
            #expect(after.json == ["active": false])
        }
    }

    @Test("the log says who acted for whom, and never holds a token")
    func exchangeIsLogged() async throws {
        let log = LogCapture()
        try await Harness.run(Self.settings(), log: log) { issuer in
            let alice = try await Self.userToken(issuer)
            let token = try #require(try await Self.exchange(issuer, alice.access).json["access_token"]?.stringValue)
            let line = try #require(log.lines.last { $0.contains("Issued an access token") && $0.contains("act=\(Self.server.id)") })
            #expect(line.contains("grant_type=\(Self.grantType)") && line.contains("sub=alice") && line.contains("refresh_token=no"))
            #expect(!log.lines.contains { $0.contains(alice.access) || $0.contains(token) || $0.contains(Self.server.secret) })
        }
    }
}
