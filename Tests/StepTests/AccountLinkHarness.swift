import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import WorkshopSupport

@testable import Delegation
@testable import WorkshopIssuer

/// The account-link world on loopback: the workshop issuer (home), a second workshop issuer (the partner),
/// a stand-in for the partner's calendar API, and the Delegation server, each live on its own port.
struct LinkWorld: Sendable {
    static let clientID = "workshop-delegation"
    static let homeSecret = "home-secret-of-the-delegation-server-for-tests"
    static let partnerSecret = "partner-secret-of-the-delegation-server-for-tests"
    /// What the partner grants: `calendar:read` once the issuer knows it, until then a scope it has.
    static let partnerScope = ScopeList.supported.contains("calendar:read") ? "calendar:read" : "mcp:read"

    let base: String
    let home: OnlineIssuer
    let partner: OnlineIssuer
    let calendar: PartnerCalendar
    let linking: AccountLinking
    let notes: NotesStore
    let clock: MovableClock

    var resource: String { base + "/mcp" }

    /// Starts everything, runs `body`, stops everything. Partner tokens live `partnerTokenLifetime` seconds.
    static func run(
        partnerTokenLifetime: Int = 300, logger: Logger? = nil, _ body: @Sendable (LinkWorld) async throws -> Void
    ) async throws {
        // A port found free may be taken (by an outgoing connection, say) before the server binds it: try others.
        for attempt in 1... {
            do {
                return try await runOnce(partnerTokenLifetime: partnerTokenLifetime, logger: logger, body)
            } catch is NotStarted where attempt < 5 {
                continue
            }
        }
    }

    /// A server of the world could not listen on the port chosen for it; nothing of the test has run.
    struct NotStarted: Error, CustomStringConvertible {
        let description: String
    }

    static func runOnce(
        partnerTokenLifetime: Int, logger: Logger?, _ body: @Sendable (LinkWorld) async throws -> Void
    ) async throws {
        let port = try OnlineIssuer.freePort()
        let base = "http://127.0.0.1:\(port)"
        let homeClients = """
            {"clients": [{"client_id": "\(clientID)", "client_secret": "\(homeSecret)", "token_endpoint_auth_method": "client_secret_basic",
              "redirect_uris": ["\(base)/link/signed-in"], "grant_types": ["authorization_code"], "scope": "mcp:read"}]}
            """
        try await OnlineIssuer.run(change: { settings in
            settings = IssuerSettings(issuer: settings.issuer, resources: settings.resources + [base + "/mcp"])
            settings.clients = try ClientsFile.parse(Data(homeClients.utf8), now: TokenForge.now(), source: "test")
        }) { home in
            let calendar = try await PartnerCalendar.start()
            let partnerClients = """
                {"clients": [{"client_id": "\(clientID)", "client_secret": "\(partnerSecret)", "token_endpoint_auth_method": "client_secret_basic",
                  "redirect_uris": ["\(base)/link/callback"], "grant_types": ["authorization_code", "refresh_token"],
                  "scope": "\(partnerScope)"}]}
                """
            try await OnlineIssuer.run(change: { settings in
                settings = IssuerSettings(issuer: settings.issuer, resources: [calendar.url], tokenLifetime: partnerTokenLifetime)
                settings.clients = try ClientsFile.parse(Data(partnerClients.utf8), now: TokenForge.now(), source: "test")
            }) { partner in
                calendar.trust(partner.url)
                let clock = MovableClock()
                let (linking, notes) = try await Self.linking(
                    base: base, home: home, partner: partner, calendar: calendar, clock: clock, logger: logger)
                let world = LinkWorld(
                    base: base, home: home, partner: partner, calendar: calendar, linking: linking, notes: notes, clock: clock)
                try await world.serve(port: port, logger: logger) { try await body(world) }
            }
            try await calendar.stop()
        }
    }

    static func linking(
        base: String, home: OnlineIssuer, partner: OnlineIssuer, calendar: PartnerCalendar, clock: MovableClock, logger: Logger?
    ) async throws -> (AccountLinking, NotesStore)
    {
        let folder = TestKeys.emptyFolder().directory
        let secrets = folder.appendingPathExtension("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        try Data("\(homeSecret)\n".utf8).write(to: secrets.appendingPathComponent("home"))
        try Data("\(partnerSecret)\n".utf8).write(to: secrets.appendingPathComponent("partner"))
        let exchange = try ExchangeOptions.parse([
            "--exchange-client-id", clientID, "--exchange-secret-file", secrets.appendingPathComponent("home").path,
        ])
        let partnerOptions = try PartnerOptions.parse([
            "--partner-issuer", partner.url, "--partner-client-id", clientID, "--partner-secret-file",
            secrets.appendingPathComponent("partner").path, "--partner-calendar-url", calendar.url,
        ])
        let data = DataOptions(dataDirectory: folder.path)
        let logger = logger ?? ServerOptions(logLevel: .critical).makeLogger(label: "link-tests")
        let notes = try await NotesStore.open(data, trusting: [home.url], logger: logger)
        var linking = try await AccountLinking.open(
            partner: partnerOptions, exchange: exchange, data: data, notes: notes, baseURL: base,
            pending: PendingLinks(now: { clock.now }), logger: logger)
        linking.partner?.scope = partnerScope
        return (linking, notes)
    }

    /// The Delegation server's routes, live on `port`, while `body` runs.
    func serve(port: Int, logger: Logger? = nil, _ body: @Sendable () async throws -> Void) async throws {
        let logger = logger ?? ServerOptions(logLevel: .critical).makeLogger(label: "delegation")
        let trustedKeys = try TrustedKeys.load(from: TestKeys.files, logger: logger)
        let router = Delegation.buildRouter(
            ServerOptions(host: "127.0.0.1", port: port, logLevel: .critical), origins: try .parse([]), trustedKeys: trustedKeys,
            issuerKeys: IssuerKeys(local: nil, logger: logger), auth: try Delegation.AuthOptions(issuer: home.url),
            notes: notes, linking: linking)
        let (running, isRunning) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in isRunning.yield() }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { isRunning.finish() }
                try await app.run()
            }
            var started = false
            for await _ in running {
                started = true
                break
            }
            defer { group.cancelAll() }
            guard started else { throw NotStarted(description: "the Delegation server did not start on port \(port)") }
            try await body()
        }
    }

    /// An access token of the home issuer for this server, as an MCP client holds it: for a person, or
    /// for a machine when the subject is the client itself.
    func token(_ subject: String, clientID: String = "an-mcp-client") -> String {
        var claims = TokenForge.validClaims(subject: subject)
        claims["iss"] = .string(home.url)
        claims["aud"] = .string(resource)
        claims["client_id"] = .string(clientID)
        return TokenForge.token(claims: claims)
    }

    func owner(_ subject: String) -> NotesStore.Owner { NotesStore.Owner(issuer: home.url, subject: subject) }

    /// One JSON-RPC message to /mcp, its answer parsed.
    func mcp(_ message: JSONValue, token: String, headers: [(String, String)] = []) async throws -> JSONValue {
        var request = HTTPClientRequest(url: resource)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(data: message.encoded()))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return try JSONValue(parsing: Data(try await response.body.collect(upTo: 1 << 20).readableBytesView))
    }

    /// 2025-11-25: initialize, declaring URL elicitation (or not).
    func initialize(token: String, urlElicitation: Bool = true) async throws {
        let capabilities: JSONValue = urlElicitation ? ["elicitation": ["url": [:]]] : [:]
        _ = try await mcp(
            MCPMessage.request(
                "initialize",
                params: ["protocolVersion": "2025-11-25", "capabilities": capabilities, "clientInfo": ["name": "link-tests", "version": "1"]]),
            token: token)
    }

    func legacyCall(_ tool: String, token: String) async throws -> JSONValue {
        try await mcp(MCPMessage.request("tools/call", params: ["name": .string(tool)]), token: token, headers: [("MCP-Protocol-Version", "2025-11-25")])
    }

    /// 2026-07-28: a stateless call, its capabilities in `_meta`, plus what a retry carries.
    func modernCall(_ tool: String, token: String, urlElicitation: Bool = true, retry: [String: JSONValue] = [:]) async throws -> JSONValue {
        var meta = MCPMessage.meta.objectValue!
        meta["io.modelcontextprotocol/clientCapabilities"] = urlElicitation ? ["elicitation": ["url": [:]]] : [:]
        let params = retry.merging(["name": .string(tool), "_meta": .object(meta)]) { $1 }
        return try await mcp(
            MCPMessage.request("tools/call", id: 2, params: params), token: token,
            headers: [("MCP-Protocol-Version", MCPMessage.version), ("Mcp-Method", "tools/call"), ("Mcp-Name", tool)])
    }

    /// The URL a 2025-11-25 -32042 error or a 2026-07-28 input_required result asks the user to open.
    static func elicitedURL(_ answer: JSONValue) -> String? {
        answer["error"]?["data"]?["elicitations"]?.arrayValue?.first?["url"]?.stringValue
            ?? answer["result"]?["inputRequests"]?[URLElicitation.inputKey]?["params"]?["url"]?.stringValue
    }
}

/// A clock the pending links read, which a test moves forward.
final class MovableClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    var now: Date { Date() + offset.withLock { $0 } }
    func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}

/// Stands in for the partner's calendar API: it answers `GET /calendar/events` for a token of the partner
/// issuer whose audience is this calendar, and remembers every bearer token it was shown.
final class PartnerCalendar: Sendable {
    struct State {
        var port = 0
        var issuer = ""
        var seen: [String] = []
        var refuseEveryToken = false
        var stop: (@Sendable () -> Void)?
    }
    let state = Mutex(State())
    var url: String { "http://127.0.0.1:\(state.withLock(\.port))/calendar" }
    var seenTokens: [String] { state.withLock(\.seen) }

    func trust(_ issuer: String) { state.withLock { $0.issuer = issuer } }
    func refuseEveryToken() { state.withLock { $0.refuseEveryToken = true } }

    static func start() async throws -> PartnerCalendar {
        let calendar = PartnerCalendar()
        let port = try OnlineIssuer.freePort()
        calendar.state.withLock { $0.port = port }
        let router = Router()
        router.get("/calendar/events") { request, _ in calendar.answer(request.headers[.authorization] ?? "") }
        let (running, isRunning) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in isRunning.yield() }, logger: ServerOptions(logLevel: .critical).makeLogger(label: "calendar"))
        let task = Task {
            defer { isRunning.finish() }
            try await app.run()
        }
        calendar.state.withLock { $0.stop = { task.cancel() } }
        var started = false
        for await _ in running {
            started = true
            break
        }
        guard started else { throw LinkWorld.NotStarted(description: "the partner calendar did not start on port \(port)") }
        return calendar
    }

    func stop() async throws { state.withLock { $0.stop }?() }

    func answer(_ authorization: String) -> Response {
        let token = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : ""
        let (issuer, refuse) = state.withLock { state in
            state.seen.append(token)
            return (state.issuer, state.refuseEveryToken)
        }
        let claims = IssuerHarness.claims(token)
        guard !refuse, claims["iss"] == .string(issuer), claims["aud"] == .string(url), let subject = claims["sub"]?.stringValue else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
        }
        let body: JSONValue = [
            "calendar": "partner", "owner": ["issuer": .string(issuer), "subject": .string(subject)],
            "events": [["title": .string("Partner review with \(subject)"), "start": "2026-12-07T09:00:00Z"]], "via": .null,
        ]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(data: body.encoded())))
    }
}
