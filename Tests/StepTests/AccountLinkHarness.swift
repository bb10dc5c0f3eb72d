import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import WorkshopSupport

@testable import CalendarService
@testable import Delegation
@testable import WorkshopIssuer

/// The account-link world on loopback: the workshop issuer (home), a second workshop issuer (the partner),
/// the partner's calendar (CalendarService, trusting the partner issuer), and the Delegation server, each
/// live on its own port.
struct LinkWorld: Sendable {
    static let clientID = "workshop-delegation"
    static let homeSecret = "home-secret-of-the-delegation-server-for-tests"
    static let partnerSecret = "partner-secret-of-the-delegation-server-for-tests"

    let base: String
    let home: OnlineIssuer
    let partner: OnlineIssuer
    /// The partner calendar's resource identifier.
    let calendar: String
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
        let calendarPort = try OnlineIssuer.freePort()
        let calendar = "http://127.0.0.1:\(calendarPort)\(CalendarSettings.resourcePath)"
        try await OnlineIssuer.run(change: { settings in
            settings = IssuerSettings(issuer: settings.issuer, resources: settings.resources + [base + "/mcp"])
            settings.clients = try ClientsFile.parse(Data(homeClients.utf8), now: TokenForge.now(), source: "test")
        }) { home in
            let partnerClients = """
                {"clients": [{"client_id": "\(clientID)", "client_secret": "\(partnerSecret)", "token_endpoint_auth_method": "client_secret_basic",
                  "redirect_uris": ["\(base)/link/callback"], "grant_types": ["authorization_code", "refresh_token"],
                  "scope": "calendar:read"}]}
                """
            try await OnlineIssuer.run(change: { settings in
                settings = IssuerSettings(issuer: settings.issuer, resources: [calendar], tokenLifetime: partnerTokenLifetime)
                settings.clients = try ClientsFile.parse(Data(partnerClients.utf8), now: TokenForge.now(), source: "test")
            }) { partner in
                // The partner's own calendar: it trusts the partner issuer alone (which signs with the test keys).
                let settings = CalendarSettings(
                    name: "partner", baseURL: "http://127.0.0.1:\(calendarPort)", issuer: partner.url,
                    keys: [TestKeys.pair.publicKey])
                let quiet = ServerOptions(logLevel: .critical).makeLogger(label: "partner-calendar")
                try await listen(port: calendarPort, logger: quiet, CalendarService.buildRouter(settings)) {
                    let clock = MovableClock()
                    let (linking, notes) = try await Self.linking(
                        base: base, home: home, partner: partner, calendar: calendar, clock: clock, logger: logger)
                    let world = LinkWorld(
                        base: base, home: home, partner: partner, calendar: calendar, linking: linking, notes: notes, clock: clock)
                    try await world.serve(port: port, logger: logger) { try await body(world) }
                }
            }
        }
    }

    static func linking(
        base: String, home: OnlineIssuer, partner: OnlineIssuer, calendar: String, clock: MovableClock, logger: Logger?
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
            secrets.appendingPathComponent("partner").path, "--partner-calendar-url", calendar,
        ])
        let data = DataOptions(dataDirectory: folder.path)
        let logger = logger ?? ServerOptions(logLevel: .critical).makeLogger(label: "link-tests")
        let notes = try await NotesStore.open(data, trusting: [home.url], logger: logger)
        let linking = try await AccountLinking.open(
            partner: partnerOptions, exchange: exchange, data: data, notes: notes, baseURL: base,
            pending: PendingLinks(now: { clock.now }), logger: logger)
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
        try await Self.listen(port: port, logger: logger, router, body)
    }

    /// Runs `router` on `port` while `body` runs; a server that cannot listen there throws `NotStarted`.
    static func listen<Context: RequestContext>(
        port: Int, logger: Logger, _ router: Router<Context>, _ body: @Sendable () async throws -> Void
    ) async throws where Context.Source == ApplicationRequestContextSource {
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
            guard started else { throw NotStarted(description: "nothing could listen on port \(port)") }
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
