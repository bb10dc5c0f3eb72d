import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import WorkshopSupport

@testable import WorkshopIssuer

/// The workshop issuer in process, driven through Hummingbird's router test client, signing with `TestKeys`.
struct IssuerHarness: Sendable {
    static let issuer = "http://127.0.0.1:9001"
    static let resources = ["http://127.0.0.1:9000/mcp", "http://127.0.0.1:9100/mcp"]

    let client: any TestClientProtocol
    let desk: TokenDesk

    /// Clients the operator configured: a public admin console that may hold mcp:admin, and a resource
    /// server that may introspect tokens.
    static let adminConsole = "admin-console"
    static let resourceServer = (id: "resource-server", secret: "resource-server-secret-for-the-tests-only")
    static let configuredClients = """
        {"clients": [
          {"client_id": "admin-console", "client_name": "Admin console", "token_endpoint_auth_method": "none",
           "redirect_uris": ["http://127.0.0.1/callback"], "grant_types": ["authorization_code", "refresh_token"],
           "scope": "mcp:read mcp:tools mcp:prompts mcp:admin"},
          {"client_id": "\(resourceServer.id)", "client_secret": "\(resourceServer.secret)", "grant_types": [],
           "introspection": true}
        ]}
        """

    /// The resource server's credentials, for /introspect.
    static var introspector: HTTPFields { basic(resourceServer.id, resourceServer.secret) }

    /// Settings of an issuer for two resources, with the configured clients and a clock a test may move.
    static func settings(clock: TestClock = TestClock(), change: (inout IssuerSettings) -> Void = { _ in }) -> IssuerSettings {
        var settings = IssuerSettings(issuer: issuer, resources: resources)
        settings.now = { clock.now }
        settings.clients = try! ClientsFile.parse(Data(configuredClients.utf8), now: clock.now, source: "test")
        change(&settings)
        return settings
    }

    /// In process, or `live` over real HTTP on a free loopback port (the issuer still calls itself `issuer`);
    /// its log goes to `log` when given.
    static func run<Value: Sendable>(
        _ settings: IssuerSettings = settings(), live: Bool = false, log: LogCapture? = nil,
        _ body: @Sendable (IssuerHarness) async throws -> Value
    ) async throws -> Value {
        let desk = try TokenDesk.open(TestKeys.files)
        let logger = log?.logger ?? ServerOptions(logLevel: .critical).makeLogger(label: "issuer-tests")
        let app = Application(
            router: buildIssuerRouter(settings: settings, desk: desk), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: logger)
        return try await app.test(live ? .live : .router) { client in try await body(IssuerHarness(client: client, desk: desk)) }
    }

    /// A response, read: status, headers, body text, the body as JSON, and the query of a redirect.
    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let text: String
        var json: JSONValue { (try? JSONValue(parsing: Data(text.utf8))) ?? .null }
        var error: String? { json["error"]?.stringValue }
        var location: String? { headers[.location] }
        /// The parameters of the redirect's query (RFC 6749 §4.1.2).
        var redirect: [String: String] {
            guard let location, let query = URLComponents(string: location)?.percentEncodedQuery,
                let form = FormParameters(query)
            else { return [:] }
            return form.values.compactMapValues(\.first)
        }
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> Reply {
        try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }

    /// POST an `application/x-www-form-urlencoded` body.
    func post(_ path: String, _ form: [(String, String)], headers: HTTPFields = [:]) async throws -> Reply {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await send(.post, path, headers: headers, body: ByteBuffer(string: FormParameters.encode(form)))
    }

    func register(_ metadata: JSONValue) async throws -> Reply {
        try await send(.post, "/register", headers: [.contentType: "application/json"], body: ByteBuffer(data: metadata.encoded()))
    }

    /// A registered client: its id and, for a confidential client, its secret.
    func client(
        _ method: String = "none", redirectURIs: [String] = ["http://127.0.0.1/callback"],
        grantTypes: [String] = ["authorization_code", "refresh_token"], name: String = "Test client"
    ) async throws -> (id: String, secret: String?) {
        let reply = try await register([
            "token_endpoint_auth_method": .string(method), "client_name": .string(name),
            "redirect_uris": .array(redirectURIs.map { .string($0) }), "grant_types": .array(grantTypes.map { .string($0) }),
        ])
        guard reply.status == .created, let id = reply.json["client_id"]?.stringValue else {
            throw HarnessError(description: "registration failed: \(reply.status) \(reply.text)")
        }
        return (id, reply.json["client_secret"]?.stringValue)
    }

    /// The sign-in as a browser does it, with PKCE for `verifier`: GET /authorize shows the page, and its
    /// form goes back with the page's token, from the issuer's own origin, as `username` deciding
    /// `consent`. When the issuer answers the GET with anything but the page, that answer is returned.
    func authorize(
        _ clientID: String, verifier: String, username: String = "alice", consent: String = "approve",
        _ extra: [(String, String)] = [], withhold: [String] = []
    ) async throws -> Reply {
        let request = [
            ("response_type", "code"), ("client_id", clientID), ("code_challenge", Self.challenge(verifier)),
            ("code_challenge_method", "S256"),
        ] + extra
        let page = try await send(.get, "/authorize?" + FormParameters.encode(request))
        guard page.status == .ok, let token = Self.formToken(in: page.text) else { return page }
        let decision = [("csrf_token", token), ("username", username), ("consent", consent)] + withhold.map { ("withhold", $0) }
        return try await post("/authorize", request + decision, headers: [.origin: Self.issuer])
    }

    /// The token a sign-in page's forms carry.
    static func formToken(in page: String) -> String? {
        guard let start = page.range(of: #"name="csrf_token" value=""#)?.upperBound,
            let end = page[start...].firstIndex(of: "\"")
        else { return nil }
        return String(page[start..<end])
    }

    /// Signs in and exchanges the code: the token response.
    func tokens(_ clientID: String, username: String = "alice", _ extra: [(String, String)] = [], withhold: [String] = []) async throws -> Reply {
        let verifier = Self.verifier()
        let code = try await authorize(clientID, verifier: verifier, username: username, extra, withhold: withhold).redirect["code"] ?? "none"
        return try await post("/token", [("grant_type", "authorization_code"), ("code", code), ("client_id", clientID), ("code_verifier", verifier)])
    }

    /// A fresh RFC 7636 verifier, and its S256 challenge computed here, apart from the issuer's code.
    static func verifier() -> String { Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }) }
    static func challenge(_ verifier: String) -> String { Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8)))) }

    static func basic(_ id: String, _ secret: String) -> HTTPFields {
        [.authorization: "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()]
    }

    /// The claims of a JWT, unverified.
    static func claims(_ token: String?) -> JSONValue {
        AccessTokenReader.parts(of: token ?? "")?.claims ?? .null
    }

    struct HarnessError: Error, CustomStringConvertible { let description: String }
}

/// A clock for the issuer that tests move forward.
final class TestClock: Sendable {
    private let seconds = Mutex(Int(Date().timeIntervalSince1970))
    var now: Int { seconds.withLock { $0 } }
    func advance(by delta: Int) { seconds.withLock { $0 += delta } }
}
