import AsyncHTTPClient
import Foundation
import Glibc
import Hummingbird
import HummingbirdTesting
import NIOCore
import WorkshopSupport

@testable import WorkshopIssuer

/// The workshop's own authorization server (`generate_token serve`), live on a free loopback port,
/// signing with `TestKeys`: a step trusting its URL finds the keys through its metadata, not `keys/`.
struct OnlineIssuer: Sendable {
    static let otherResource = "http://127.0.0.1:9100/mcp"

    let url: String

    /// Runs the issuer, its settings changed by `change` (say, clients from a clients file), while `body` runs.
    static func run<Value: Sendable>(
        change: (inout IssuerSettings) throws -> Void = { _ in }, _ body: @Sendable (OnlineIssuer) async throws -> Value
    ) async throws -> Value {
        // The issuer's URL is in its metadata, so the port is chosen before the server starts.
        let port = try freePort()
        let issuer = OnlineIssuer(url: "http://127.0.0.1:\(port)")
        var settings = IssuerSettings(issuer: issuer.url, resources: [WorkshopDefaults.resource, otherResource])
        try change(&settings)
        let router = buildIssuerRouter(settings: settings, desk: try TokenDesk.open(TestKeys.files))
        let (running, isRunning) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in isRunning.yield() },
            logger: ServerOptions(logLevel: .critical).makeLogger(label: "online-issuer"))
        // Not HummingbirdTesting's live mode: that picks its own port, and the issuer must know its URL.
        return try await withThrowingTaskGroup(of: Void.self, returning: Value.self) { group in
            // A server that cannot start (its port taken meanwhile) ends the wait instead of leaving it hanging.
            group.addTask {
                defer { isRunning.finish() }
                try await app.run()
            }
            for await _ in running { break }
            defer { group.cancelAll() }
            return try await body(issuer)
        }
    }

    /// A token for `resource` by the client_credentials grant (RFC 6749 §4.4), over real HTTP.
    func clientCredentialsToken(for resource: String) async throws -> String {
        try await clientCredentialsToken(for: resource, client: try await confidentialClient())
    }

    /// A self-registered confidential client that may use the client_credentials grant.
    func confidentialClient() async throws -> (id: String, secret: String) {
        let registration: JSONValue = [
            "token_endpoint_auth_method": "client_secret_post", "grant_types": ["client_credentials"], "scope": "mcp:read",
        ]
        let client = try await send("/register", contentType: "application/json", body: registration.jsonText)
        return (client["client_id"]?.stringValue ?? "", client["client_secret"]?.stringValue ?? "")
    }

    func clientCredentialsToken(for resource: String, client: (id: String, secret: String)) async throws -> String {
        let form = Self.form([("grant_type", "client_credentials"), ("client_id", client.id), ("client_secret", client.secret), ("resource", resource)])
        let reply = try await send("/token", contentType: "application/x-www-form-urlencoded", body: form)
        return reply["access_token"]?.stringValue ?? "none"
    }

    /// Revokes a token its client holds (RFC 7009 §2.1).
    func revoke(_ token: String, by client: (id: String, secret: String)) async throws {
        let form = Self.form([("token", token), ("client_id", client.id), ("client_secret", client.secret)])
        var request = HTTPClientRequest(url: url + "/revoke")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { throw IssuerHarness.HarnessError(description: "revocation answered \(response.status)") }
    }

    static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
    }

    private func send(_ path: String, contentType: String, body: String) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return try JSONValue(parsing: Data(try await response.body.collect(upTo: 1 << 16).readableBytesView))
    }

    /// A port nobody listens on now: bound to port 0, read back, released.
    static func freePort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0 }
        }
        guard socketFD >= 0, bound else { throw IssuerHarness.HarnessError(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
