import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import NIOCore
import NIOSSL
import Synchronization
import WorkshopSupport

/// A web site that publishes Client ID Metadata Documents, over real HTTPS on a loopback port, as
/// `https://localhost:<port>/…`, with a certificate from a test CA: what a client publishes, and
/// everything a hostile host might answer instead. Each path answers what the test last put there.
final class DocumentHost: Sendable {
    /// What one path answers.
    struct Answer: Sendable {
        var status: HTTPResponse.Status = .ok
        var headers: HTTPFields = [.contentType: "application/json"]
        var body: [UInt8] = []
        /// With `trickle`: the body goes in pieces of this many bytes, without a Content-Length.
        var chunk = 1
        /// Waits this long before answering at all.
        var delay: Duration?
        /// Sends the body piece by piece, this far apart.
        var trickle: Duration?
    }

    private struct State {
        var port = 0
        var answers: [String: Answer] = [:]
        var requests: [String: Int] = [:]
        var stopping = false
    }

    private let state = Mutex(State())

    var origin: String { "https://localhost:\(state.withLock(\.port))" }
    func url(_ path: String) -> String { origin + path }
    /// How often `path` was asked for.
    func requests(_ path: String) -> Int { state.withLock { $0.requests[path, default: 0] } }

    /// Returns once `path` has been asked for; fails after five seconds rather than wait forever.
    func waitForRequest(_ path: String) async throws {
        let end = ContinuousClock.now + .seconds(5)
        while requests(path) == 0 {
            guard ContinuousClock.now < end else { throw IssuerHarness.HarnessError(description: "nobody asked for \(path)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func serve(_ path: String, _ answer: Answer) {
        state.withLock { $0.answers[path] = answer }
    }

    /// Serves `document` as JSON at `path`, with `Cache-Control` when given.
    func serve(_ path: String, document: JSONValue, cacheControl: String? = nil) {
        var answer = Answer(body: Array(document.encoded()))
        if let cacheControl { answer.headers[.cacheControl] = cacheControl }
        serve(path, answer)
    }

    /// Starts a host whose certificate `authority` signs, runs `body` with it, and stops it.
    static func run<Value: Sendable>(
        signedBy authority: TestCA = .trusted, _ body: @Sendable (DocumentHost) async throws -> Value
    ) async throws -> Value {
        let host = DocumentHost()
        let router = Router()
        router.get("**") { request, _ in try await host.answer(request.uri.path) }
        let (running, isRunning) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, server: try .tls(.http1(), tlsConfiguration: authority.serverTLS(for: "localhost")),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in isRunning.yield(channel.localAddress?.port ?? 0) },
            logger: ServerOptions(logLevel: .critical).makeLogger(label: "document-host"))
        return try await withThrowingTaskGroup(of: Void.self, returning: Value.self) { group in
            group.addTask { try await app.run() }
            for await port in running {
                host.state.withLock { $0.port = port }
                break
            }
            defer {
                host.state.withLock { $0.stopping = true }
                group.cancelAll()
            }
            return try await body(host)
        }
    }

    /// Waits, but no longer than the host runs: a server that is stopping waits for its answers to end.
    private func pause(for duration: Duration) async throws {
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end, !state.withLock(\.stopping) {
            try await Task.sleep(for: min(.milliseconds(50), end - ContinuousClock.now))
        }
    }

    private func answer(_ path: String) async throws -> Response {
        let answer = state.withLock { state in
            state.requests[path, default: 0] += 1
            return state.answers[path]
        }
        guard let answer else { return Response(status: .notFound) }
        if let delay = answer.delay { try await pause(for: delay) }
        guard let trickle = answer.trickle else {
            return Response(status: answer.status, headers: answer.headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        return Response(
            status: answer.status, headers: answer.headers,
            body: ResponseBody { writer in
                var rest = answer.body[...]
                while !rest.isEmpty {
                    try await writer.write(ByteBuffer(bytes: rest.prefix(answer.chunk)))
                    rest = rest.dropFirst(answer.chunk)
                    try await self.pause(for: trickle)
                }
                try await writer.finish(nil)
            })
    }
}
