import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
import WorkshopSupport

@testable import CalendarService
@testable import Delegation
@testable import WorkshopIssuer

/// The home issuer's token endpoint as a test wants it, live on loopback: it records what it is sent
/// and answers as told. Its metadata offers token exchange unless told not to; its tokens are signed
/// with `TestKeys`, so the calendar and the Delegation server trust it as they would the workshop issuer.
final class ExchangeIssuerStub: Sendable {
    enum Answer: Sendable {
        /// What RFC 8693 §2.2.1 describes: a token for the requested resource, with this client as actor.
        case exchange
        /// An RFC 6749 §5.2 error answer.
        case refuse(status: HTTPResponse.Status, error: String)
        /// Metadata that does not list the token-exchange grant.
        case withoutGrant
    }

    /// One request to the token endpoint: its Basic credentials and its form.
    struct Seen: Sendable {
        let authorization: String?
        let form: [String: String]
    }

    let url: String
    let answer: Answer
    private let seen = Mutex<[Seen]>([])

    init(url: String, answer: Answer) {
        (self.url, self.answer) = (url, answer)
    }

    var requests: [Seen] { seen.withLock { $0 } }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.get("/.well-known/oauth-authorization-server") { _, _ in
            var grants: [JSONValue] = ["authorization_code", "refresh_token"]
            if case .withoutGrant = self.answer {} else { grants.append(.string(TokenExchangeClient.grantType)) }
            return DelegationExchangeTests.json([
                "issuer": .string(self.url), "token_endpoint": .string(self.url + "/token"), "grant_types_supported": .array(grants),
            ])
        }
        router.post("/token") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 16)
            let form = FormParameters(Array(body.readableBytesView))?.values.compactMapValues(\.first) ?? [:]
            self.seen.withLock { $0.append(Seen(authorization: request.headers[.authorization], form: form)) }
            switch self.answer {
            case .refuse(let status, let error):
                return DelegationExchangeTests.json(["error": .string(error), "error_description": "The issuer says why."], status: status)
            case .exchange, .withoutGrant:
                return DelegationExchangeTests.json([
                    "access_token": .string(self.exchanged(form)), "issued_token_type": .string(TokenExchangeClient.accessTokenType),
                    "token_type": "Bearer", "expires_in": 60, "scope": .string(form["scope"] ?? ""),
                ])
            }
        }
        return router
    }

    /// The token the issuer would issue: the subject's user, the requested audience, the client as actor.
    func exchanged(_ form: [String: String]) -> String {
        let subject = IssuerHarness.claims(form["subject_token"])
        let client = DelegationExchangeTests.client.id
        var claims = TokenForge.validClaims(scope: form["scope"] ?? "", subject: subject["sub"]?.stringValue ?? "")
        claims["iss"] = .string(url)
        claims["aud"] = .string(form["resource"] ?? "")
        claims["client_id"] = .string(client)
        claims["act"] = ["sub": .string(client)]
        claims["exp"] = .int(TokenForge.now() + 60)
        return TokenForge.token(claims: claims)
    }
}

/// Delegation's `calendar_events` against a stub of the issuer's token endpoint and a real calendar API:
/// the caller's token goes only to its issuer, as `subject_token`; the calendar gets the exchanged token.
@Suite("Delegation: calendar_events by token exchange (RFC 8693)")
struct DelegationExchangeTests {
    static let client = (id: "workshop-delegation", secret: "a-secret-of-the-delegation-server-for-tests")

    static func json(_ body: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }

    /// Serves `router` on `port` of 127.0.0.1 while `body` runs.
    static func serve<Value: Sendable>(_ router: Router<BasicRequestContext>, port: Int, _ body: @Sendable () async throws -> Value) async throws -> Value {
        try await serve(router.buildResponder(), port: port, body)
    }

    static func serve<Value: Sendable, Responder: HTTPResponder>(_ responder: Responder, port: Int, _ body: @Sendable () async throws -> Value)
        async throws -> Value where Responder.Context == BasicRequestContext
    {
        let (running, isRunning) = AsyncStream<Void>.makeStream()
        let app = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: port)), onServerRunning: { _ in isRunning.yield() },
            logger: ServerOptions(logLevel: .critical).makeLogger(label: "delegation-tests"))
        return try await withThrowingTaskGroup(of: Void.self, returning: Value.self) { group in
            group.addTask {
                // A server that cannot listen ends the wait below instead of leaving it hanging.
                defer { isRunning.finish() }
                try await app.run()
            }
            defer { group.cancelAll() }
            var listening = false
            for await _ in running {
                listening = true
                break
            }
            guard listening else {
                do { try await group.next() } catch { throw NotListening(port: port, reason: "\(error)") }
                throw NotListening(port: port, reason: "it stopped before it listened")
            }
            return try await body()
        }
    }

    /// A test server could not listen on its port; nothing of the test has run yet.
    struct NotListening: Error, CustomStringConvertible {
        let port: Int
        let reason: String
        var description: String { "the test server on port \(port) could not listen: \(reason)" }
    }

    /// `count` distinct ports nobody listens on now.
    static func freePorts(_ count: Int) throws -> [Int] {
        var ports: [Int] = []
        while ports.count < count {
            let port = try OnlineIssuer.freePort()
            if !ports.contains(port) { ports.append(port) }
        }
        return ports
    }

    /// The stub issuer and a calendar that trusts it and accepts tokens this server exchanged.
    struct World: Sendable {
        let issuer: ExchangeIssuerStub
        let calendarURL: String
    }

    static func world(
        _ answer: ExchangeIssuerStub.Answer = .exchange, allowedActors: [String] = [client.id], _ body: @Sendable (World) async throws -> Void
    ) async throws {
        // A port found free may be taken by a test running beside this one before its server binds it: then
        // the whole world starts again on other ports.
        for attempt in 1... {
            do {
                return try await worldOnFreePorts(answer, allowedActors: allowedActors, body)
            } catch is NotListening where attempt < 5 {
                continue
            }
        }
    }

    static func worldOnFreePorts(
        _ answer: ExchangeIssuerStub.Answer, allowedActors: [String], _ body: @Sendable (World) async throws -> Void
    ) async throws {
        let ports = try freePorts(2)
        let issuer = ExchangeIssuerStub(url: "http://127.0.0.1:\(ports[0])", answer: answer)
        let calendarPort = ports[1]
        let settings = CalendarSettings(
            name: "home", baseURL: "http://127.0.0.1:\(calendarPort)", issuer: issuer.url, keys: [TestKeys.pair.publicKey], allowedActors: allowedActors)
        try await serve(issuer.router, port: ports[0]) {
            try await serve(CalendarService.buildRouter(settings), port: calendarPort) {
                try await body(World(issuer: issuer, calendarURL: settings.resource))
            }
        }
    }

    /// The options that turn exchange on as the test client, its secret in a file.
    static func exchangeArguments(calendarURL: String) throws -> [String] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("exchange-secret-\(UUID().uuidString)")
        try Data("\(client.secret)\n".utf8).write(to: file)
        return ["--exchange-client-id", client.id, "--exchange-secret-file", file.path, "--calendar-url", calendarURL]
    }

    /// The Delegation server in process, trusting `issuer` (with the test key, or the keys its metadata
    /// names when `fetchKeys`), with `exchange` options.
    static func delegation(
        issuer: String, exchange: [String], logger: Logger = ServerOptions(logLevel: .critical).makeLogger(label: "delegation-tests"),
        fetchKeys: Bool = false, _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let auth = try Delegation.AuthOptions(issuer: issuer)
        let keys = try Delegation.TrustedKeys.load(from: TestKeys.files, logger: logger)
        let notes = try await Delegation.NotesStore.open(TestKeys.emptyFolder().directory.appendingPathComponent("notes.sqlite"), logger: logger)
        let calendar = try CalendarEventsTool(options: try .parse(exchange), issuers: auth.issuers, logger: logger)
        let router = Delegation.buildRouter(
            StepUnderTest.options, origins: .init(allowOrigin: []), trustedKeys: keys, issuerKeys: .init(local: fetchKeys ? nil : (issuer, keys), logger: logger),
            auth: auth, notes: notes, calendar: calendar)
        try await Application(router: router, logger: logger).test(.router, body)
    }

    /// A person's token from `issuer` for the Delegation server, as the issuer's sign-in would give it.
    static func personToken(issuer: String, subject: String = "alice") -> String {
        TokenForge.$issuer.withValue(issuer) { TokenForge.valid(subject: subject) }
    }

    static func text(_ result: JSONValue) -> String { result["content"]?.arrayValue?.first?["text"]?.stringValue ?? "" }

    // MARK: The exchange

    @Test("calendar_events exchanges the caller's token at its issuer and returns the calendar's events, read via this server")
    func exchangeThenCalendar() async throws {
        try await Self.world { world in
            let token = Self.personToken(issuer: world.issuer.url)
            try await Self.delegation(issuer: world.issuer.url, exchange: try Self.exchangeArguments(calendarURL: world.calendarURL)) { client in
                let result = try await BearerClient(client: client, token: token).tool("calendar_events")
                #expect(result["isError"] == false, "\(result)")
                let calendar = result["structuredContent"]
                #expect(calendar?["calendar"] == "home" && calendar?["via"] == .string(Self.client.id))
                #expect(calendar?["owner"] == ["issuer": .string(world.issuer.url), "subject": "alice"])
                #expect(calendar?["events"]?.arrayValue?.isEmpty == false)
            }
            // One RFC 8693 request: the caller's own token as subject, the calendar as resource, the narrow scope.
            let seen = try #require(world.issuer.requests.first)
            #expect(world.issuer.requests.count == 1)
            #expect(seen.form["grant_type"] == TokenExchangeClient.grantType)
            #expect(seen.form["subject_token"] == token)
            #expect(seen.form["subject_token_type"] == "urn:ietf:params:oauth:token-type:access_token")
            #expect(seen.form["resource"] == world.calendarURL && seen.form["scope"] == "calendar:read")
            #expect(seen.form["client_secret"] == nil && seen.form["actor_token"] == nil)
            #expect(seen.authorization == "Basic " + Data("\(Self.client.id):\(Self.client.secret)".utf8).base64EncodedString())
        }
    }

    @Test("a person sees calendar_events in tools/list; a machine does not, and calling it is a tool error that asks nothing of the issuer")
    func machineCallerGetsAToolError() async throws {
        try await Self.world { world in
            let person = Self.personToken(issuer: world.issuer.url)
            let machine = TokenForge.$issuer.withValue(world.issuer.url) {
                TokenForge.with { $0["sub"] = "ci-bot"; $0["client_id"] = "ci-bot"; $0["scope"] = "mcp:read mcp:tools" }
            }
            try await Self.delegation(issuer: world.issuer.url, exchange: try Self.exchangeArguments(calendarURL: world.calendarURL)) { client in
                func names(_ token: String) async throws -> [String] {
                    let list = try await BearerClient(client: client, token: token).legacy("tools/list")
                    return list.result?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                }
                #expect(try await names(person).contains("calendar_events"))
                #expect(try await !names(machine).contains("calendar_events"))
                let result = try await BearerClient(client: client, token: machine).tool("calendar_events")
                #expect(result["isError"] == true && Self.text(result).contains("Calendars belong to people"), "\(result)")
            }
            #expect(world.issuer.requests.isEmpty)
        }
    }

    @Test("without --exchange-client-id calendar_events answers how to turn it on")
    func disabledToolSaysHowToEnable() async throws {
        try await Self.world { world in
            try await Self.delegation(issuer: world.issuer.url, exchange: []) { client in
                let result = try await BearerClient(client: client, token: Self.personToken(issuer: world.issuer.url)).tool("calendar_events")
                #expect(result["isError"] == true && Self.text(result).contains("--exchange-client-id"), "\(result)")
            }
            #expect(world.issuer.requests.isEmpty)
        }
    }

    @Test("calendar_events takes no arguments: whose calendar comes from the token")
    func argumentsAreRefused() async throws {
        try await Self.world { world in
            try await Self.delegation(issuer: world.issuer.url, exchange: try Self.exchangeArguments(calendarURL: world.calendarURL)) { client in
                let result = try await BearerClient(client: client, token: Self.personToken(issuer: world.issuer.url)).tool("calendar_events", ["subject": "bob"])
                #expect(result["isError"] == true && Self.text(result).contains("takes no arguments"), "\(result)")
            }
            #expect(world.issuer.requests.isEmpty)
        }
    }

    // MARK: Refusals, said clearly

    @Test(
        "the issuer's refusal is a tool error that says what the issuer said and who can fix it",
        arguments: [
            ("invalid_request", HTTPResponse.Status.badRequest, "Sign in again"),
            ("unauthorized_client", .badRequest, "token_exchange"),
            ("invalid_target", .badRequest, "--calendar-url"),
            ("invalid_scope", .badRequest, "scopes or role"),
            ("invalid_client", .unauthorized, "--exchange-client-id"),
        ])
    func issuerRefusalIsExplained(error: String, status: HTTPResponse.Status, advice: String) async throws {
        try await Self.world(.refuse(status: status, error: error)) { world in
            let token = Self.personToken(issuer: world.issuer.url)
            let capture = LogCapture()
            try await Self.delegation(issuer: world.issuer.url, exchange: try Self.exchangeArguments(calendarURL: world.calendarURL), logger: capture.logger) {
                client in
                let result = try await BearerClient(client: client, token: token).tool("calendar_events")
                let text = Self.text(result)
                #expect(result["isError"] == true && text.contains("(\(error): The issuer says why.)") && text.contains(advice), "\(text)")
                #expect(!text.contains(token) && !text.contains(Self.client.secret))
            }
            #expect(capture.lines.contains { $0.contains("calendar_events failed") && $0.contains(error) }, "\(capture.lines)")
            #expect(!capture.lines.contains { $0.contains(token) || $0.contains(Self.client.secret) })
        }
    }

    @Test("an issuer whose metadata offers no token exchange is never sent the token; the tool says so")
    func issuerWithoutTheGrant() async throws {
        try await Self.world(.withoutGrant) { world in
            try await Self.delegation(issuer: world.issuer.url, exchange: try Self.exchangeArguments(calendarURL: world.calendarURL)) { client in
                let result = try await BearerClient(client: client, token: Self.personToken(issuer: world.issuer.url)).tool("calendar_events")
                #expect(result["isError"] == true && Self.text(result).contains("does not offer token exchange"), "\(result)")
            }
            #expect(world.issuer.requests.isEmpty)
        }
    }

    @Test("a calendar that refuses the exchanged token: a tool error with the calendar's reason")
    func calendarRefusalIsExplained() async throws {
        // A calendar that accepts no delegation refuses what the exchange gives.
        try await Self.world(allowedActors: []) { world in
            try await Self.delegation(issuer: world.issuer.url, exchange: try Self.exchangeArguments(calendarURL: world.calendarURL)) { client in
                let result = try await BearerClient(client: client, token: Self.personToken(issuer: world.issuer.url)).tool("calendar_events")
                #expect(result["isError"] == true && Self.text(result).contains("HTTP 403: This calendar accepts no delegated tokens"), "\(result)")
            }
        }
    }

    @Test("a calendar that cannot be reached: a tool error naming it")
    func calendarDownIsExplained() async throws {
        try await Self.world { world in
            let nowhere = "http://127.0.0.1:\(try OnlineIssuer.freePort())/calendar"
            try await Self.delegation(issuer: world.issuer.url, exchange: try Self.exchangeArguments(calendarURL: nowhere)) { client in
                let result = try await BearerClient(client: client, token: Self.personToken(issuer: world.issuer.url)).tool("calendar_events")
                #expect(result["isError"] == true && Self.text(result).contains("\(nowhere) could not be reached"), "\(result)")
            }
        }
    }

    // MARK: Where the caller's token may go

    @Test("a caller's token from another issuer is never sent to the exchange issuer")
    func tokenGoesOnlyToItsIssuer() async throws {
        try await Self.world { world in
            let exchange = TokenExchangeClient(issuer: world.issuer.url, clientID: Self.client.id, clientSecret: Self.client.secret, logger: Logger(label: "test"))
            let tool = CalendarEventsTool(exchange: exchange, calendarURL: world.calendarURL)
            let other = "http://127.0.0.1:9002"
            var claims = TokenForge.validClaims()
            claims["iss"] = .string(other)
            var caller = Delegation.VerifiedToken(claims: claims, subject: "alice", expiresAt: Date() + 300)
            caller.accessToken = CallerAccessToken(value: Self.personToken(issuer: other))
            let result = try #require(await tool.call(["name": "calendar_events"], caller: caller, logger: Logger(label: "test")))
            #expect(result["isError"] == true && Self.text(.object(result)).contains("your token is from \(other)"), "\(result)")
            #expect(world.issuer.requests.isEmpty)
        }
    }

    @Test("the caller's token prints as a placeholder, never as itself, even inside the verified token")
    func callerTokenNeverPrints() {
        let token = Self.personToken(issuer: WorkshopDefaults.issuer)
        var verified = Delegation.VerifiedToken(claims: TokenForge.validClaims(), subject: "alice", expiresAt: Date() + 300)
        verified.accessToken = CallerAccessToken(value: token)
        #expect("\(verified.accessToken!)" == "<access token>")
        #expect(!String(reflecting: verified).contains(token) && !"\(verified)".contains(token))
    }

    // MARK: Options

    @Test("the exchange secret comes from a file or EXCHANGE_CLIENT_SECRET, never from the command line")
    func secretNeverOnTheCommandLine() throws {
        let logger = Logger(label: "test")
        let issuers = [WorkshopDefaults.issuer]
        #expect(throws: (any Error).self) { try ExchangeOptions.parse(["--exchange-client-id", "x", "--exchange-client-secret", "s"]) }
        #expect(throws: (any Error).self) { try ExchangeOptions.parse(["--exchange-secret", "s"]) }
        #expect(throws: (any Error).self) { try ExchangeOptions.parse(["--exchange-secret-file", "/tmp/x"]) }
        #expect(throws: (any Error).self) { try ExchangeOptions.parse(["--exchange-client-id", ""]) }
        #expect(throws: (any Error).self) { try ExchangeOptions.parse(["--calendar-url", "not a url"]) }
        let on = try ExchangeOptions.parse(["--exchange-client-id", Self.client.id])
        #expect(throws: ExchangeOptions.Problem.self) { try on.client(issuers: issuers, logger: logger, environment: [:]) }
        let fromEnvironment = try on.client(issuers: issuers, logger: logger, environment: [ExchangeOptions.secretVariable: Self.client.secret])
        #expect(fromEnvironment?.clientID == Self.client.id && fromEnvironment?.issuer == WorkshopDefaults.issuer)
        let fromFile = try ExchangeOptions.parse(try Self.exchangeArguments(calendarURL: ExchangeOptions.defaultCalendarURL))
        #expect(try fromFile.client(issuers: issuers, logger: logger, environment: [:]) != nil)
        #expect(fromFile.calendarURL == "http://127.0.0.1:9100/calendar")
        // One secret for one issuer: with two trusted issuers a caller's token could reach the wrong one.
        let problem = #expect(throws: ExchangeOptions.Problem.self) {
            try on.client(issuers: issuers + ["http://127.0.0.1:9002"], logger: logger, environment: [ExchangeOptions.secretVariable: "s"])
        }
        #expect(problem?.description.contains("exactly one --issuer") == true)
        #expect(try ExchangeOptions.parse([]).client(issuers: issuers, logger: logger, environment: [:]) == nil)
    }
}
