import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WorkshopSupport

@testable import Step6
@testable import Step7
@testable import Step8
@testable import Step9

/// A refused token is answered by the kind of problem (RFC 6750 §3 `error_description`), so that a
/// client's developer knows what to fix; the log, at the default level, says exactly why.
struct Refusal: CustomTestStringConvertible, Sendable {
    let name: String
    let authorization: String
    /// The whole `error_description`.
    let description: String
    /// A piece of the log line's reason.
    let reason: String

    var testDescription: String { name }

    static let cases: [Refusal] = {
        let now = TokenForge.now()
        return [
            Refusal(
                name: "expired", authorization: "Bearer " + TokenForge.with { $0["exp"] = .int(now - 3600) },
                description: "The access token expired", reason: "expired at \(now - 3600)"),
            Refusal(
                name: "for another port", authorization: "Bearer " + TokenForge.with { $0["aud"] = "http://127.0.0.1:9006/mcp" },
                description: "The access token is for another audience; this server is http://127.0.0.1:9000/mcp",
                reason: #"aud "http://127.0.0.1:9006/mcp" does not contain http://127.0.0.1:9000/mcp"#),
            Refusal(
                name: "unknown key", authorization: "Bearer " + TokenForge.with(header: { $0["kid"] = "retired-key" }),
                description: "The access token names no signing key this server trusts", reason: #"kid "retired-key""#),
            Refusal(
                name: "signed by another key", authorization: "Bearer " + TokenForge.token(signer: .rs256(TestKeys.attacker)),
                description: "The access token's signature does not verify", reason: "signature does not verify"),
            Refusal(
                name: "another issuer", authorization: "Bearer " + TokenForge.with { $0["iss"] = "https://login.example" },
                description: "The access token is from an issuer this server does not trust", reason: #"iss "https://login.example""#),
            Refusal(
                name: "not yet valid", authorization: "Bearer " + TokenForge.with { $0["nbf"] = .int(now + 3600) },
                description: "The access token is not valid yet", reason: "not valid before"),
            Refusal(
                name: "no subject", authorization: "Bearer " + TokenForge.with { $0["sub"] = nil },
                description: "The access token lacks a claim this server needs (exp, sub)", reason: "sub missing"),
            Refusal(
                name: "alg none", authorization: "Bearer " + TokenForge.with(header: { $0["alg"] = "none" }, signer: .unsigned),
                description: "The access token is not an RS256 access token of type at+jwt", reason: #"alg "none" not allowed"#),
            Refusal(
                name: "not a JWT", authorization: "Bearer not-a-jwt",
                description: "The access token is not a well-formed signed JWT", reason: "1 parts instead of 3"),
            Refusal(
                name: "characters a bearer token cannot hold", authorization: "Bearer a=b",
                description: "The Authorization header does not hold one well-formed bearer token", reason: "b64token"),
        ]
    }()
}

@Suite("A refused token says why (Steps 6-9)")
struct RefusalTests {
    @Test("the 401's error_description names the kind of problem, and nothing of the token", arguments: StepUnderTest.authSteps, Refusal.cases)
    func descriptionNamesTheProblem(step: StepUnderTest, _ refusal: Refusal) async throws {
        try await step.withoutToken { client async throws in
            let exchange = try await client.ping(authorization: [refusal.authorization])
            #expect(exchange.status == .unauthorized)
            let challenge = exchange.headers[.wwwAuthenticate] ?? ""
            #expect(challenge.contains(#"error="invalid_token", error_description="\#(refusal.description)""#), "\(challenge)")
            #expect(exchange.json?["error_description"] == .string(refusal.description))
            // RFC 6750 §3: the description is printable ASCII without '"' or '\'.
            #expect(refusal.description.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" })
            let token = refusal.authorization.dropFirst("Bearer ".count)
            if token.count > 20 { #expect(!exchange.text.contains(token) && !challenge.contains(token)) }
        }
    }

    @Test("at the default log level one line says exactly why, and points to generate_token decode", arguments: StepUnderTest.authSteps)
    func logSaysWhy(step: StepUnderTest) async throws {
        for refusal in Refusal.cases {
            let capture = LogCapture(level: .info)
            try await step.withLogger(capture.logger) { client async throws in
                #expect(try await client.ping(authorization: [refusal.authorization]).status == .unauthorized)
            }
            let refused = capture.lines.filter { $0.contains("401") }
            #expect(refused.count == 1, "\(refusal.name): \(capture.lines)")
            #expect(refused.first?.hasPrefix("info ") == true, "\(refusal.name): \(refused)")
            #expect(refused.first?.contains(refusal.reason) == true, "\(refusal.name): \(refused)")
            let token = refusal.authorization.dropFirst("Bearer ".count)
            if token.count > 20 { #expect(!capture.lines.contains { $0.contains(token) }) }
            if refusal.name != "characters a bearer token cannot hold" {
                #expect(refused.first?.contains("generate_token decode") == true, "\(refusal.name): \(refused)")
            }
        }
    }

    @Test("a request without any token is no refusal worth an info line", arguments: StepUnderTest.authSteps)
    func noTokenIsQuietAtInfo(step: StepUnderTest) async throws {
        let capture = LogCapture(level: .info)
        try await step.withLogger(capture.logger) { client async throws in
            #expect(try await client.ping(authorization: []).status == .unauthorized)
        }
        #expect(capture.lines.filter { $0.contains("401") }.isEmpty, "\(capture.lines)")
    }
}

extension StepUnderTest {
    /// From Step 6 on: the step's router (no token added) in an application that logs to `logger`.
    func withLogger<Value: Sendable>(_ logger: Logger, _ body: @Sendable (any TestClientProtocol) async throws -> Value)
        async throws -> Value
    {
        let options = Self.options
        let keyLogger = Logger(label: "keys")
        switch self {
        case .step6:
            let keys = try Step6.TrustedKeys.load(from: TestKeys.files, logger: keyLogger)
            let router = Step6.buildRouter(
                options, origins: .init(allowOrigin: []), trustedKeys: keys, auth: try .init(issuer: WorkshopDefaults.issuer))
            return try await Application(router: router, logger: logger).test(.router, body)
        case .step7:
            let keys = try Step7.TrustedKeys.load(from: TestKeys.files, logger: keyLogger)
            let router = Step7.buildRouter(
                options, origins: .init(allowOrigin: []), trustedKeys: keys,
                issuerKeys: .init(local: (WorkshopDefaults.issuer, keys), logger: keyLogger), auth: try .init(issuer: WorkshopDefaults.issuer))
            return try await Application(router: router, logger: logger).test(.router, body)
        case .step8:
            let keys = try Step8.TrustedKeys.load(from: TestKeys.files, logger: keyLogger)
            let router = Step8.buildRouter(
                options, origins: .init(allowOrigin: []), trustedKeys: keys,
                issuerKeys: .init(local: (WorkshopDefaults.issuer, keys), logger: keyLogger), auth: try .init(issuer: WorkshopDefaults.issuer))
            return try await Application(router: router, logger: logger).test(.router, body)
        case .step9:
            let keys = try Step9.TrustedKeys.load(from: TestKeys.files, logger: keyLogger)
            let notes = try await NotesStore.open(TestKeys.emptyFolder().directory.appendingPathComponent("notes.sqlite"), logger: keyLogger)
            let router = Step9.buildRouter(
                options, origins: .init(allowOrigin: []), trustedKeys: keys,
                issuerKeys: .init(local: (WorkshopDefaults.issuer, keys), logger: keyLogger), auth: try .init(issuer: WorkshopDefaults.issuer),
                notes: notes)
            return try await Application(router: router, logger: logger).test(.router, body)
        default:
            preconditionFailure("\(self) has no token checks")
        }
    }
}
