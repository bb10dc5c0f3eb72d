import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing
import WorkshopSupport

@testable import Delegation
@testable import Step7
@testable import Step8
@testable import Step9

/// From Step 7 on, a step's own requests to its issuer (metadata, keys, introspection) follow no
/// redirect and end in time: a redirect would re-send the token and the client's secret wherever it
/// points (RFC 9110 §15.4.8), and a body sent a byte at a time would hold the request that waits for it.
@Suite("Requests to the issuer follow no redirect and end in time (Steps 7-9, Delegation)")
struct OutboundRedirectTests {
    static let secret = "the-resource-servers-introspection-secret"

    /// An issuer that redirects or trickles: a hostile one, or a broken one.
    final class Stub: Sendable {
        /// What reached another origin by a followed redirect: forms and Authorization headers posted, documents fetched.
        let elsewhere = Mutex<[String]>([])

        static func json(_ value: JSONValue) -> Response {
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: value.encoded())))
        }

        /// The headers at once, then a byte a second for 20 seconds, then `{"active": true}`.
        static var trickle: Response {
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    for _ in 0..<20 {
                        try await writer.write(ByteBuffer(string: " "))
                        try await Task.sleep(for: .seconds(1))
                    }
                    try await writer.write(ByteBuffer(string: #"{"active": true}"#))
                    try await writer.finish(nil)
                })
        }

        func router(base: String) -> Router<BasicRequestContext> {
            let router = Router()
            // The same server under another name is another origin.
            let other = base.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            for name in ["redirecting", "trickling"] {
                router.get("/.well-known/oauth-authorization-server/\(name)") { _, _ in
                    Self.json(["issuer": .string("\(base)/\(name)"), "introspection_endpoint": .string("\(base)/\(name)/introspect")])
                }
            }
            // A 307 keeps the method and the body: followed, the token and the secret go to /steal.
            router.post("/redirecting/introspect") { _, _ in
                Response(status: .temporaryRedirect, headers: [.location: other + "/steal"])
            }
            router.post("/steal") { request, _ in
                let form = String(buffer: try await request.body.collect(upTo: 65536))
                self.elsewhere.withLock { $0.append("\(request.headers[.authorization] ?? "") \(form)") }
                return Self.json(["active": true])
            }
            router.post("/trickling/introspect") { _, _ in Self.trickle }
            // Metadata that moved to another origin, where a document speaks for this issuer with no keys.
            router.get("/.well-known/oauth-authorization-server/moved") { _, _ in
                Response(status: .movedPermanently, headers: [.location: other + "/moved-here"])
            }
            router.get("/moved-here") { _, _ in
                self.elsewhere.withLock { $0.append("GET /moved-here") }
                return Self.json(["issuer": .string("\(base)/moved"), "jwks_uri": .string("\(other)/moved-keys")])
            }
            router.get("/moved-keys") { _, _ in Self.json(["keys": []]) }
            router.get("/.well-known/oauth-authorization-server/slow") { _, _ in Self.trickle }
            return router
        }

        func run(_ body: @Sendable (String) async throws -> Void) async throws {
            let port = try OnlineIssuer.freePort()
            let quiet = Logger(label: "stub", factory: { _ in SwiftLogNoOpLogHandler() })
            try await LinkWorld.listen(port: port, logger: quiet, router(base: "http://127.0.0.1:\(port)")) {
                try await body("http://127.0.0.1:\(port)")
            }
        }
    }

    /// One copy of the carried code: its verdict on a token, and a refresh of an issuer's keys.
    struct Copy: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let verdict: @Sendable (_ issuer: String, _ token: String) async -> String
        let refresh: @Sendable (_ issuer: String) async -> Bool

        static let all: [Copy] = {
            let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            return [
                Copy(
                    testDescription: "Step7",
                    verdict: { issuer, token in
                        let asker = Step7.TokenIntrospection(issuer: issuer, clientID: "rs", clientSecret: secret, cacheTime: 0, logger: quiet)
                        return "\(await asker.verdict(on: token, expiresAt: .distantFuture))"
                    },
                    refresh: { await Step7.IssuerKeys(local: nil, refetchInterval: .zero, logger: quiet).refresh($0) }),
                Copy(
                    testDescription: "Step8",
                    verdict: { issuer, token in
                        let asker = Step8.TokenIntrospection(issuer: issuer, clientID: "rs", clientSecret: secret, cacheTime: 0, logger: quiet)
                        return "\(await asker.verdict(on: token, expiresAt: .distantFuture))"
                    },
                    refresh: { await Step8.IssuerKeys(local: nil, refetchInterval: .zero, logger: quiet).refresh($0) }),
                Copy(
                    testDescription: "Step9",
                    verdict: { issuer, token in
                        let asker = Step9.TokenIntrospection(issuer: issuer, clientID: "rs", clientSecret: secret, cacheTime: 0, logger: quiet)
                        return "\(await asker.verdict(on: token, expiresAt: .distantFuture))"
                    },
                    refresh: { await Step9.IssuerKeys(local: nil, refetchInterval: .zero, logger: quiet).refresh($0) }),
                Copy(
                    testDescription: "Delegation",
                    verdict: { issuer, token in
                        let asker = Delegation.TokenIntrospection(issuer: issuer, clientID: "rs", clientSecret: secret, cacheTime: 0, logger: quiet)
                        return "\(await asker.verdict(on: token, expiresAt: .distantFuture))"
                    },
                    refresh: { await Delegation.IssuerKeys(local: nil, refetchInterval: .zero, logger: quiet).refresh($0) }),
            ]
        }()
    }

    @Test("an introspection endpoint's 307 to another origin is not followed: nothing reaches it, and the token is not active",
        arguments: Copy.all)
    func introspectionRedirectIsNotFollowed(copy: Copy) async throws {
        let stub = Stub()
        try await stub.run { base in
            let verdict = await copy.verdict(base + "/redirecting", "the-callers-token")
            #expect(verdict.hasPrefix("unavailable") && verdict.contains("redirect"), "\(verdict)")
            let elsewhere = stub.elsewhere.withLock { $0 }
            #expect(elsewhere.isEmpty, "a redirect delivered \(elsewhere) to another origin")
        }
    }

    @Test("a step whose issuer redirects introspection answers 503 with Retry-After, and sends the token nowhere else",
        arguments: StepUnderTest.metadataSteps)
    func redirectedIntrospectionIsRefusedWith503(step: StepUnderTest) async throws {
        let stub = Stub()
        try await stub.run { base in
            let issuer = base + "/redirecting"
            let token = TokenForge.$issuer.withValue(issuer) { TokenForge.valid() }
            let capture = LogCapture()
            try await step.introspecting(issuer: issuer, try IntrospectionTests.arguments(("rs", Self.secret), cache: 0), logger: capture.logger) {
                client async throws in
                let exchange = try await client.ping(authorization: ["Bearer \(token)"])
                #expect(exchange.status == .serviceUnavailable)
                #expect(exchange.headers[.retryAfter] != nil)
            }
            #expect(stub.elsewhere.withLock { $0 }.isEmpty, "the token went to another origin")
            #expect(capture.lines.contains { $0.hasPrefix("error") && $0.contains("redirect") }, "\(capture.lines)")
        }
    }

    @Test("an introspection answer sent a byte at a time is given up on within the timeout: 503, never active",
        arguments: StepUnderTest.metadataSteps)
    func trickledIntrospectionEndsInTime(step: StepUnderTest) async throws {
        let stub = Stub()
        try await stub.run { base in
            let issuer = base + "/trickling"
            let token = TokenForge.$issuer.withValue(issuer) { TokenForge.valid() }
            try await step.introspecting(issuer: issuer, try IntrospectionTests.arguments(("rs", Self.secret), cache: 0)) { client async throws in
                let started = ContinuousClock.now
                #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .serviceUnavailable)
                #expect(ContinuousClock.now - started < .seconds(10), "the answer's body was waited for beyond the timeout")
            }
        }
    }

    @Test("issuer metadata that redirects to another origin is not followed: the issuer's keys could not be read", arguments: Copy.all)
    func metadataRedirectIsNotFollowed(copy: Copy) async throws {
        let stub = Stub()
        try await stub.run { base in
            #expect(await copy.refresh(base + "/moved") == false)
            let elsewhere = stub.elsewhere.withLock { $0 }
            #expect(elsewhere.isEmpty, "a redirect was followed to \(elsewhere)")
        }
    }

    @Test("issuer metadata sent a byte at a time is given up on within the timeout", arguments: Copy.all)
    func trickledMetadataEndsInTime(copy: Copy) async throws {
        let stub = Stub()
        try await stub.run { base in
            let started = ContinuousClock.now
            #expect(await copy.refresh(base + "/slow") == false)
            #expect(ContinuousClock.now - started < .seconds(12), "the metadata's body was waited for beyond the timeout")
        }
    }
}
