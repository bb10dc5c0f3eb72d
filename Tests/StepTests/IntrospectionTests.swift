import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WorkshopSupport

@testable import Step7
@testable import Step8
@testable import Step9
@testable import WorkshopIssuer

/// Steps 7-9 with `--introspection-client-id`: the issuer says whether a token is still active
/// (RFC 7662), so a revoked token is refused within the cache time; without it, nothing is asked.
@Suite("Introspection: revocation reaches the resource (Steps 7-9)")
struct IntrospectionTests {
    static let resourceServer = (id: "workshop-mcp", secret: "a-secret-of-the-resource-server-for-tests")
    static let notAllowed = (id: "not-allowed-rs", secret: "a-secret-of-a-client-never-allowed-to-introspect")
    static let clientsFile = """
        {"clients": [
          {"client_id": "\(resourceServer.id)", "client_secret": "\(resourceServer.secret)", "grant_types": [], "introspection": true},
          {"client_id": "\(notAllowed.id)", "client_secret": "\(notAllowed.secret)", "grant_types": []}
        ]}
        """

    /// The live workshop issuer with the clients above; tokens live `tokenLifetime` seconds.
    static func issuer<Value: Sendable>(tokenLifetime: Int = 300, _ body: @Sendable (OnlineIssuer) async throws -> Value) async throws -> Value {
        try await OnlineIssuer.run(change: { settings in
            settings.clients = try ClientsFile.parse(Data(clientsFile.utf8), now: TokenForge.now(), source: "test")
            settings.tokenLifetime = tokenLifetime
        }, body)
    }

    /// The options that turn introspection on as `client`, its secret in a file.
    static func arguments(_ client: (id: String, secret: String), cache: Int) throws -> [String] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("introspection-secret-\(UUID().uuidString)")
        try Data("\(client.secret)\n".utf8).write(to: file)
        return ["--introspection-client-id", client.id, "--introspection-secret-file", file.path, "--introspection-cache", "\(cache)"]
    }

    @Test("a token revoked at the issuer is refused with 401 invalid_token once the cache time has passed", arguments: StepUnderTest.metadataSteps)
    func revokedTokenIsRefusedWithinTheCacheTime(step: StepUnderTest) async throws {
        try await Self.issuer { issuer in
            let capture = LogCapture()
            let holder = try await issuer.confidentialClient()
            let token = try await issuer.clientCredentialsToken(for: WorkshopDefaults.resource, client: holder)
            try await step.introspecting(issuer: issuer.url, try Self.arguments(Self.resourceServer, cache: 1), logger: capture.logger) { client async throws in
                #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .ok)
                try await issuer.revoke(token, by: holder)
                try await Task.sleep(for: .milliseconds(1100))
                let refused = try await client.ping(authorization: ["Bearer \(token)"])
                #expect(refused.status == .unauthorized)
                let challenge = refused.headers[.wwwAuthenticate] ?? ""
                #expect(challenge.contains(#"error="invalid_token""#) && challenge.contains("revoked"))
                #expect(!challenge.contains(token) && !refused.text.contains(token))
            }
            #expect(capture.lines.filter { $0.hasPrefix("info") && $0.contains("no longer active") }.count == 1, "\(capture.lines)")
            #expect(!capture.lines.contains { $0.contains(token) })
        }
    }

    @Test("an active token passes, and its answer is reused for the cache time", arguments: StepUnderTest.metadataSteps)
    func activeTokenPassesAndIsCached(step: StepUnderTest) async throws {
        try await Self.issuer { issuer in
            let holder = try await issuer.confidentialClient()
            let token = try await issuer.clientCredentialsToken(for: WorkshopDefaults.resource, client: holder)
            try await step.introspecting(issuer: issuer.url, try Self.arguments(Self.resourceServer, cache: 30)) { client async throws in
                #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .ok)
                try await issuer.revoke(token, by: holder)
                // Within the cache time the issuer is not asked again: the bounded price of not asking every time.
                #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .ok)
            }
        }
    }

    @Test("with a cache time of 0 a revoked token is refused at the next request", arguments: StepUnderTest.metadataSteps)
    func noCacheAsksEveryTime(step: StepUnderTest) async throws {
        try await Self.issuer { issuer in
            let holder = try await issuer.confidentialClient()
            let token = try await issuer.clientCredentialsToken(for: WorkshopDefaults.resource, client: holder)
            try await step.introspecting(issuer: issuer.url, try Self.arguments(Self.resourceServer, cache: 0)) { client async throws in
                #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .ok)
                try await issuer.revoke(token, by: holder)
                #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .unauthorized)
            }
        }
    }

    @Test("an answer is never reused past the token's exp", arguments: StepUnderTest.metadataSteps)
    func cacheNeverOutlivesExpiry(step: StepUnderTest) async throws {
        try await Self.issuer(tokenLifetime: 5) { issuer in
            let token = try await issuer.clientCredentialsToken(for: WorkshopDefaults.resource)
            try await step.introspecting(issuer: issuer.url, try Self.arguments(Self.resourceServer, cache: 60)) { client async throws in
                #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .ok)
                // Past exp, within the local check's leeway: only a fresh answer (inactive) can refuse it.
                try await Task.sleep(for: .milliseconds(6100))
                #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .unauthorized)
            }
        }
    }

    @Test("when the issuer cannot be asked, a valid token is refused with 503 and Retry-After", arguments: StepUnderTest.metadataSteps)
    func issuerDownFailsClosed(step: StepUnderTest) async throws {
        let nobody = "http://127.0.0.1:\(try OnlineIssuer.freePort())"
        let token = TokenForge.$issuer.withValue(nobody) { TokenForge.valid() }
        let capture = LogCapture()
        try await step.introspecting(issuer: nobody, try Self.arguments(Self.resourceServer, cache: 5), logger: capture.logger) { client async throws in
            let exchange = try await client.ping(authorization: ["Bearer \(token)"])
            #expect(exchange.status == .serviceUnavailable)
            #expect(exchange.headers[.retryAfter] != nil && !exchange.text.contains(token))
        }
        #expect(capture.lines.contains { $0.hasPrefix("error") && $0.contains("could not ask the issuer") }, "\(capture.lines)")
    }

    @Test("a client the issuer does not allow to introspect, or a wrong secret: 503 and a log line that says what to fix",
        arguments: StepUnderTest.metadataSteps)
    func misconfiguredClientIsExplained(step: StepUnderTest) async throws {
        try await Self.issuer { issuer in
            let token = try await issuer.clientCredentialsToken(for: WorkshopDefaults.resource)
            let cases: [(client: (id: String, secret: String), status: String)] = [
                (Self.notAllowed, "403"), ((Self.resourceServer.id, "a-wrong-secret"), "401"),
            ]
            for (client, status) in cases {
                let capture = LogCapture()
                try await step.introspecting(issuer: issuer.url, try Self.arguments(client, cache: 5), logger: capture.logger) { stepClient async throws in
                    #expect(try await stepClient.ping(authorization: ["Bearer \(token)"]).status == .serviceUnavailable)
                }
                #expect(capture.lines.contains { $0.contains("answered \(status)") && $0.contains("--clients-file") }, "\(capture.lines)")
                #expect(!capture.lines.contains { $0.contains(client.secret) })
            }
        }
    }

    @Test("without --introspection-client-id nothing is asked: a revoked token is accepted until its exp", arguments: StepUnderTest.metadataSteps)
    func defaultModeAsksNothing(step: StepUnderTest) async throws {
        try await Self.issuer { issuer in
            let holder = try await issuer.confidentialClient()
            let token = try await issuer.clientCredentialsToken(for: WorkshopDefaults.resource, client: holder)
            try await issuer.revoke(token, by: holder)
            try await step.introspecting(issuer: issuer.url, []) { client async throws in
                #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .ok)
            }
        }
    }

    @Test("the secret comes from a file or INTROSPECTION_CLIENT_SECRET, never from the command line")
    func secretNeverOnTheCommandLine() throws {
        let logger = Logger(label: "test")
        let on = try Step7.IntrospectionOptions.parse(["--introspection-client-id", "rs"])
        #expect(throws: Step7.IntrospectionOptions.Problem.self) { try on.client(issuers: ["http://127.0.0.1:9001"], logger: logger, environment: [:]) }
        let fromEnvironment = try on.client(issuers: ["http://127.0.0.1:9001"], logger: logger, environment: ["INTROSPECTION_CLIENT_SECRET": "s3cret"])
        #expect(fromEnvironment?.clientID == "rs")
        #expect(throws: (any Error).self) { try Step7.IntrospectionOptions.parse(["--introspection-client-id", "rs", "--introspection-client-secret", "s3cret"]) }
        #expect(try Step7.IntrospectionOptions.parse([]).client(issuers: ["http://127.0.0.1:9001"], logger: logger, environment: [:]) == nil)
    }

    @Test("introspection asks one issuer, and reuses an answer 0 to 60 seconds")
    func optionsAreBounded() throws {
        let logger = Logger(label: "test")
        let on = try Step7.IntrospectionOptions.parse(["--introspection-client-id", "rs"])
        #expect(throws: Step7.IntrospectionOptions.Problem.self) {
            try on.client(issuers: ["http://a.example", "http://b.example"], logger: logger, environment: ["INTROSPECTION_CLIENT_SECRET": "s"])
        }
        let parsers: [([String]) throws -> Void] = [
            { _ = try Step7.AuthOptions.parse($0) }, { _ = try Step8.AuthOptions.parse($0) }, { _ = try Step9.AuthOptions.parse($0) },
        ]
        for steps in parsers {
            #expect(throws: (any Error).self) { try steps(["--introspection-client-id", "rs", "--introspection-cache", "61"]) }
            #expect(throws: (any Error).self) { try steps(["--introspection-secret-file", "/tmp/x"]) }
        }
    }
}

extension StepUnderTest {
    /// Steps 7-9 trusting `issuer` alone, with the options `arguments` (introspection's), logging to
    /// `logger`. The issuer's keys are the test keys, held here, so that no key fetch is needed.
    func introspecting<Value: Sendable>(
        issuer: String, _ arguments: [String], logger: Logger = Logger(label: "test"),
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let options = Self.options
        let keyLogger = Logger(label: "keys")
        let arguments = ["--issuer", issuer] + arguments
        switch self {
        case .step7:
            let auth = try Step7.AuthOptions.parse(arguments)
            let keys = try Step7.TrustedKeys.load(from: TestKeys.files, logger: keyLogger)
            let router = Step7.buildRouter(
                options, origins: .init(allowOrigin: []), trustedKeys: keys, issuerKeys: .init(local: (issuer, keys), logger: keyLogger),
                auth: auth, introspection: try auth.introspection.client(issuers: auth.issuers, logger: logger))
            return try await Application(router: router, logger: logger).test(.router, body)
        case .step8:
            let auth = try Step8.AuthOptions.parse(arguments)
            let keys = try Step8.TrustedKeys.load(from: TestKeys.files, logger: keyLogger)
            let router = Step8.buildRouter(
                options, origins: .init(allowOrigin: []), trustedKeys: keys, issuerKeys: .init(local: (issuer, keys), logger: keyLogger),
                auth: auth, introspection: try auth.introspection.client(issuers: auth.issuers, logger: logger))
            return try await Application(router: router, logger: logger).test(.router, body)
        case .step9:
            let auth = try Step9.AuthOptions.parse(arguments)
            let keys = try Step9.TrustedKeys.load(from: TestKeys.files, logger: keyLogger)
            let notes = try await NotesStore.open(TestKeys.emptyFolder().directory.appendingPathComponent("notes.sqlite"), logger: keyLogger)
            let router = Step9.buildRouter(
                options, origins: .init(allowOrigin: []), trustedKeys: keys, issuerKeys: .init(local: (issuer, keys), logger: keyLogger),
                auth: auth, notes: notes, introspection: try auth.introspection.client(issuers: auth.issuers, logger: logger))
            return try await Application(router: router, logger: logger).test(.router, body)
        default:
            preconditionFailure("\(self) has no introspection")
        }
    }
}
