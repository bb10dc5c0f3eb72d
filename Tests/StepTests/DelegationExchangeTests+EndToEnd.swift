import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@testable import CalendarService
@testable import Delegation
@testable import WorkshopIssuer

/// The whole flow with nothing stubbed: the workshop issuer live on loopback with the demo clients-file
/// (`Tests/Fixtures/delegation/`), a real calendar API, and the Delegation server with the demo secret.
extension DelegationExchangeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/delegation")

    /// What a test gets: the issuer, alice's access token for the Delegation server, and the calendar.
    struct Home: Sendable {
        let issuer: IssuerHarness
        let url: String
        let alice: (access: String, clientID: String)
        let calendarURL: String
    }

    /// The home issuer with `home.clients.json` (its calendar target moved to the test's calendar), alice
    /// signed in through its sign-in page, and a calendar that accepts what `workshop-delegation` exchanged.
    static func home(_ body: @Sendable (Home) async throws -> Void) async throws {
        // As in `world`: a port taken meanwhile by a test beside this one means another try on other ports.
        for attempt in 1... {
            do {
                return try await homeOnFreePorts(body)
            } catch is NotListening where attempt < 5 {
                continue
            }
        }
    }

    static func homeOnFreePorts(_ body: @Sendable (Home) async throws -> Void) async throws {
        let ports = try freePorts(2)
        let issuerPort = ports[0], calendarPort = ports[1]
        let url = "http://127.0.0.1:\(issuerPort)", calendarURL = "http://127.0.0.1:\(calendarPort)/calendar"
        let file = try String(contentsOf: fixtures.appendingPathComponent("home.clients.json"), encoding: .utf8)
            .replacingOccurrences(of: ExchangeOptions.defaultCalendarURL, with: calendarURL)
        var settings = IssuerSettings(issuer: url, resources: [WorkshopDefaults.resource])
        settings.clients = try ClientsFile.parse(Data(file.utf8), now: TokenForge.now(), source: "home.clients.json")
        let desk = try TokenDesk.open(TestKeys.files)
        let issuer = buildIssuerRouter(settings: settings, desk: desk).buildResponder()
        let calendar = CalendarSettings(
            name: "home", baseURL: "http://127.0.0.1:\(calendarPort)", issuer: url, keys: [TestKeys.pair.publicKey], allowedActors: [client.id])
        try await serve(issuer, port: issuerPort) {
            try await serve(CalendarService.buildRouter(calendar), port: calendarPort) {
                // The same issuer, driven in process for the browser's part: one store, so its codes and tokens are the live one's.
                try await Application(responder: issuer, logger: ServerOptions(logLevel: .critical).makeLogger(label: "issuer-tests")).test(.router) { client in
                    let issuer = IssuerHarness(client: client, desk: desk)
                    try await body(Home(issuer: issuer, url: url, alice: try await signIn(issuer, url: url), calendarURL: calendarURL))
                }
            }
        }
    }

    /// Alice's sign-in as her MCP client does it: a self-registered public client, PKCE, the Delegation
    /// server's MCP endpoint as resource; the issuer's page posted back from its own origin.
    static func signIn(_ issuer: IssuerHarness, url: String) async throws -> (access: String, clientID: String) {
        let clientID = try await issuer.client().id
        let verifier = IssuerHarness.verifier()
        let request = [
            ("response_type", "code"), ("client_id", clientID), ("code_challenge", IssuerHarness.challenge(verifier)),
            ("code_challenge_method", "S256"), ("resource", WorkshopDefaults.resource), ("scope", "mcp:read mcp:tools"),
        ]
        let page = try await issuer.send(.get, "/authorize?" + FormParameters.encode(request))
        let csrf = try #require(IssuerHarness.formToken(in: page.text), "\(page.status) \(page.text.prefix(300))")
        let decision = try await issuer.post(
            "/authorize", request + [("csrf_token", csrf), ("username", "alice"), ("consent", "approve")], headers: [.origin: url])
        let code = try #require(decision.redirect["code"], "\(decision.status) \(decision.text.prefix(300))")
        let tokens = try await issuer.post(
            "/token", [("grant_type", "authorization_code"), ("code", code), ("client_id", clientID), ("code_verifier", verifier)])
        return (try #require(tokens.json["access_token"]?.stringValue, "\(tokens.text)"), clientID)
    }

    /// The Delegation server as the chapter starts it: the demo client id and its secret file.
    static var demoExchange: [String] {
        ["--exchange-client-id", client.id, "--exchange-secret-file", fixtures.appendingPathComponent("delegation.secret").path]
    }

    @Test("end to end, both eras: alice's calendar_events call is exchanged at the live issuer, and the calendar answers her events via the server")
    func endToEnd() async throws {
        try await Self.home { home in
            let capture = LogCapture()
            try await Self.delegation(
                issuer: home.url, exchange: Self.demoExchange + ["--calendar-url", home.calendarURL], logger: capture.logger, fetchKeys: true
            ) { client in
                let alice = BearerClient(client: client, token: home.alice.access)
                let legacy = try await alice.tool("calendar_events")
                let modern = try await alice.modern("tools/call", params: ["name": "calendar_events", "arguments": [:]], name: "calendar_events").result
                // The same answer in both protocol eras; 2026-07-28 adds that it is complete.
                for result in [legacy, modern ?? .null] {
                    #expect(result["isError"] == false, "\(result)")
                    let calendar = result["structuredContent"]
                    #expect(calendar?["owner"] == ["issuer": .string(home.url), "subject": "alice"] && calendar?["via"] == .string(Self.client.id))
                    #expect(calendar?["events"]?.arrayValue?.compactMap { $0["title"]?.stringValue }.contains("Team stand-up") == true)
                }
                #expect(modern?["resultType"] == "complete")
            }
            #expect(!capture.lines.contains { $0.contains(home.alice.access) })
        }
    }

    @Test("end to end: alice's own token, passed through to the calendar, is refused there for its audience")
    func passthroughIsRefusedEndToEnd() async throws {
        try await Self.home { home in
            var request = HTTPClientRequest(url: home.calendarURL + "/events")
            request.headers.add(name: "Authorization", value: "Bearer \(home.alice.access)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            #expect(response.status == .unauthorized)
            let challenge = response.headers.first(name: "WWW-Authenticate") ?? ""
            #expect(challenge.contains(#"error="invalid_token""#) && challenge.contains("another audience"), "\(challenge)")
        }
    }

    @Test("end to end: after alice's token is revoked, the issuer refuses the exchange and the tool says to sign in again")
    func revokedSubjectEndToEnd() async throws {
        try await Self.home { home in
            _ = try await home.issuer.post("/revoke", [("token", home.alice.access), ("client_id", home.alice.clientID)])
            try await Self.delegation(
                issuer: home.url, exchange: Self.demoExchange + ["--calendar-url", home.calendarURL], fetchKeys: true
            ) { client in
                // Without introspection the server still takes the token until its exp; the issuer, asked to exchange it, does not.
                let result = try await BearerClient(client: client, token: home.alice.access).tool("calendar_events")
                #expect(result["isError"] == true && Self.text(result).contains("invalid_request") && Self.text(result).contains("Sign in again"), "\(result)")
            }
        }
    }
}
