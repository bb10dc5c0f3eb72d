import AsyncHTTPClient
import Foundation
import NIOCore

/// This server's requests to other servers (the issuers, the calendars, the partner): each answered in full,
/// headers and body, within its time limit, and never followed to another address. A redirect is an answer
/// like any other: followed, a 307 would send the form again, the caller's token or a code in it, wherever
/// it points (RFC 9110 §15.4.8), and a slow body would hold the tool call for as long as the other server likes.
enum OutboundHTTP {
    /// Follows no redirect; never shut down (as `HTTPClient.shared`).
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    /// The other server took longer than the time limit to answer in full.
    struct TimedOut: Error, CustomStringConvertible {
        var description: String { "no complete answer within the time limit" }
    }

    /// Whether a token or a secret may be sent to `url`: over TLS, or in plain HTTP to this machine alone
    /// (RFC 6749 §1.6 and §10.3, RFC 6750 §5.3).
    static func isProtected(_ url: String) -> Bool {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased() else { return false }
        return scheme == "https" || (scheme == "http" && ["127.0.0.1", "localhost", "::1", "[::1]"].contains(parts.host?.lowercased() ?? ""))
    }

    /// The status and at most `limit` bytes of body, or an error once `timeout` has passed.
    static func send(_ request: HTTPClientRequest, timeout: TimeAmount, upTo limit: Int) async throws -> (status: UInt, body: ByteBuffer) {
        try await within(timeout) {
            let response = try await client.execute(request, timeout: timeout)
            return (response.status.code, try await response.body.collect(upTo: limit))
        }
    }

    /// `work`'s result, or `TimedOut` once `timeout` has passed (and `work` cancelled).
    static func within<T: Sendable>(_ timeout: TimeAmount, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let answer = try await group.next() ?? nil else { throw TimedOut() }
            return answer
        }
    }
}
