import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing
import WorkshopSupport

@testable import Delegation

/// What the Delegation server's own requests to other servers (issuers, the calendars, the partner) put up
/// with: a server that answers slowly, or sends them elsewhere.
@Suite("Delegation: requests to other servers end in time and follow no redirect")
struct DelegationOutboundTests {
    /// A server that answers slowly or redirects: a hostile partner, or a broken one.
    final class Stub: Sendable {
        /// Forms posted to /steal, where a followed redirect would have delivered them.
        let stolen = Mutex<[String]>([])

        func router(base: String) -> Router<BasicRequestContext> {
            let router = Router()
            router.get("/.well-known/oauth-authorization-server") { _, _ in
                let metadata: JSONValue = [
                    "issuer": .string(base), "authorization_endpoint": .string(base + "/authorize"),
                    "token_endpoint": .string(base + "/token"),
                ]
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: metadata.encoded())))
            }
            // The headers at once, then the body a byte a second: the answer never ends within any timeout.
            router.get("/slow/events") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody { writer in
                        for _ in 0..<30 {
                            try await writer.write(ByteBuffer(string: " "))
                            try await Task.sleep(for: .seconds(1))
                        }
                        try await writer.write(ByteBuffer(string: "{}"))
                        try await writer.finish(nil)
                    })
            }
            // An issuer whose metadata never ends: the partner, as a third party, may be slow or hostile.
            router.get("/.well-known/oauth-authorization-server/slow-issuer") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: ResponseBody { writer in
                        for _ in 0..<30 {
                            try await writer.write(ByteBuffer(string: " "))
                            try await Task.sleep(for: .seconds(1))
                        }
                        try await writer.finish(nil)
                    })
            }
            // An issuer that takes a second to refresh, so that something can happen meanwhile.
            router.get("/.well-known/oauth-authorization-server/refreshing") { _, _ in
                let metadata: JSONValue = [
                    "issuer": .string(base + "/refreshing"), "authorization_endpoint": .string(base + "/authorize"),
                    "token_endpoint": .string(base + "/refreshing/token"),
                ]
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: metadata.encoded())))
            }
            router.post("/refreshing/token") { _, _ in
                try await Task.sleep(for: .seconds(1))
                let tokens: JSONValue = ["access_token": "fresh", "token_type": "Bearer", "refresh_token": "fresh-refresh", "expires_in": 300]
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: tokens.encoded())))
            }
            // An issuer that no longer knows this server's client: a configuration error, not a verdict on the grant.
            router.get("/.well-known/oauth-authorization-server/misconfigured") { _, _ in
                let metadata: JSONValue = [
                    "issuer": .string(base + "/misconfigured"), "authorization_endpoint": .string(base + "/authorize"),
                    "token_endpoint": .string(base + "/misconfigured/token"),
                ]
                return Response(
                    status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: metadata.encoded())))
            }
            router.post("/misconfigured/token") { _, _ in
                let error: JSONValue = ["error": "invalid_client", "error_description": "Unknown client."]
                return Response(
                    status: .unauthorized, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: error.encoded())))
            }
            // A calendar that takes a second to refuse a token.
            router.get("/refusing/calendar/events") { _, _ in
                try await Task.sleep(for: .seconds(1))
                return Response(status: .unauthorized, headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
            }
            // The same server under another name is another origin: a 307 keeps the method and the form.
            let elsewhere = base.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            router.post("/token") { _, _ in
                Response(status: .temporaryRedirect, headers: [.location: elsewhere + "/steal"])
            }
            router.post("/steal") { request, _ in
                let form = String(buffer: try await request.body.collect(upTo: 65536))
                self.stolen.withLock { $0.append(form) }
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
            }
            return router
        }

        func run(_ body: @Sendable (String) async throws -> Void) async throws {
            let port = try OnlineIssuer.freePort()
            let base = "http://127.0.0.1:\(port)"
            let quiet = Logger(label: "stub", factory: { _ in SwiftLogNoOpLogHandler() })
            try await LinkWorld.listen(port: port, logger: quiet, router(base: base)) { try await body(base) }
        }
    }

    @Test("a calendar that sends its answer a byte at a time is given up on within the timeout")
    func slowAnswerEndsInTime() async throws {
        let stub = Stub()
        try await stub.run { base in
            let tool = CalendarEventsTool(exchange: nil, calendarURL: base + "/slow")
            let started = ContinuousClock.now
            await #expect(throws: TokenExchangeClient.Failure.self) { _ = try await tool.events(with: "a-token") }
            #expect(ContinuousClock.now - started < .seconds(12), "the answer's body was waited for beyond the timeout")
        }
    }

    @Test("an issuer's 307 to another origin is not followed: the caller's token and a code stay where they were sent")
    func redirectIsNotFollowed() async throws {
        let stub = Stub()
        try await stub.run { base in
            let exchange = TokenExchangeClient(
                issuer: base, clientID: "workshop-delegation", clientSecret: "secret", logger: Logger(label: "test"))
            _ = try? await exchange.post([("subject_token", "the-callers-token")], to: base + "/token")
            let client = OAuthClient(issuer: base, client: ClientSecret(clientID: "workshop-delegation", secret: "secret"))
            _ = try? await client.redeem(code: "the-code", verifier: "the-verifier", redirectURI: base + "/cb", resource: base)
            let stolen = stub.stolen.withLock { $0 }
            #expect(stolen.isEmpty, "a redirect delivered \(stolen) to another origin")
        }
    }
}

extension DelegationOutboundTests {
    @Test("a partner or calendar on plain HTTP beyond this machine is refused at start: tokens and the secret would travel in clear")
    func plainHTTPElsewhereIsRefused() throws {
        for options in [["--partner-issuer", "http://partner.example"], ["--partner-calendar-url", "http://partner.example/calendar"]] {
            #expect(throws: (any Error).self, "\(options)") { try PartnerOptions.parse(options) }
        }
        #expect(throws: (any Error).self) { try ExchangeOptions.parse(["--calendar-url", "http://calendar.example/calendar"]) }
        // On this machine plain HTTP is fine (the workshop's defaults), and https anywhere.
        _ = try PartnerOptions.parse(["--partner-issuer", "https://partner.example", "--partner-calendar-url", "https://partner.example/calendar"])
        _ = try PartnerOptions.parse(["--partner-issuer", "http://localhost:9002", "--partner-calendar-url", "http://[::1]:9102/calendar"])
        _ = try ExchangeOptions.parse(["--calendar-url", "https://calendar.example/calendar"])
        _ = try PartnerOptions.parse([])
        _ = try ExchangeOptions.parse([])
    }

    @Test("a partner whose metadata never ends is given up on within the timeout, at a redeem, a refresh or an iss check")
    func slowMetadataEndsInTime() async throws {
        let stub = Stub()
        try await stub.run { base in
            let client = OAuthClient(issuer: base + "/slow-issuer", client: ClientSecret(clientID: "workshop-delegation", secret: "secret"))
            let started = ContinuousClock.now
            await #expect(throws: OAuthClient.Failure.self) { _ = try await client.refresh("a-refresh-token", resource: base) }
            #expect(await client.namesItselfInAnswers(), "unreadable metadata is taken to promise iss")
            #expect(ContinuousClock.now - started < .seconds(16), "the metadata's body was waited for beyond the timeout")
        }
    }
}
