import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@testable import Step1
@testable import Step2
@testable import Step3
@testable import Step4
@testable import Step5
@testable import Step6
@testable import Step7
@testable import Step8
@testable import Step9

/// A step's application, driven in process through Hummingbird's router test client.
/// From Step 6 on, the client sends a valid bearer token unless the test sends its own.
enum StepUnderTest: Int, CaseIterable, CustomTestStringConvertible, Sendable {
    case step1 = 1, step2, step3, step4, step5, step6, step7, step8, step9

    static let mcpSteps: [Self] = [.step2, .step3, .step4, .step5, .step6, .step7, .step8, .step9]
    static let listingSteps: [Self] = [.step3, .step4, .step5, .step6, .step7, .step8, .step9]
    static let dispatchSteps: [Self] = [.step4, .step5, .step6, .step7, .step8, .step9]
    static let jwksSteps: [Self] = [.step5, .step6, .step7, .step8, .step9]
    static let authSteps: [Self] = [.step6, .step7, .step8, .step9]
    static let metadataSteps: [Self] = [.step7, .step8, .step9]
    static let policySteps: [Self] = [.step8, .step9]

    var testDescription: String { "Step\(rawValue)" }

    static let options = ServerOptions(host: "127.0.0.1", port: 9000, logLevel: .critical)

    func test<Value: Sendable>(
        _ options: ServerOptions = Self.options, keyFiles: KeyFiles = TestKeys.files, allowOrigins: [String] = [],
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let origins = allowOrigins.flatMap { ["--allow-origin", $0] }
        switch self {
        case .step1: return try await Step1.buildApplication(options).test(.router, body)
        case .step2: return try await Step2.buildApplication(options, origins: try .parse(origins)).test(.router, body)
        case .step3: return try await Step3.buildApplication(options, origins: try .parse(origins)).test(.router, body)
        case .step4: return try await Step4.buildApplication(options, origins: try .parse(origins)).test(.router, body)
        case .step5: return try await Step5.buildApplication(options, origins: try .parse(origins), keyFiles: keyFiles).test(.router, body)
        case .step6, .step7, .step8, .step9:
            // The audience follows the options, as the server's does.
            let token = TokenForge.with { $0["aud"] = .string("\(options.baseURL)/mcp") }
            return try await withoutToken(options, keyFiles: keyFiles, allowOrigins: allowOrigins) { client in
                try await body(BearerClient(client: client, token: token))
            }
        }
    }

    /// From Step 6 on: the application with no token added, for tests that send their own credentials.
    func withoutToken<Value: Sendable>(
        _ options: ServerOptions = Self.options, keyFiles: KeyFiles = TestKeys.files, allowOrigins: [String] = [],
        issuer: String = WorkshopDefaults.issuer, acceptJWTType: Bool = false, defaultRoles: [String] = [],
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        try await withoutToken(
            options, keyFiles: keyFiles, allowOrigins: allowOrigins, issuers: [issuer], acceptJWTType: acceptJWTType,
            defaultRoles: defaultRoles, body)
    }

    /// From Step 7 on a server may trust several issuers; from Step 8 on it has default roles (`--default-role`).
    func withoutToken<Value: Sendable>(
        _ options: ServerOptions = Self.options, keyFiles: KeyFiles = TestKeys.files, allowOrigins: [String] = [],
        issuers: [String], acceptJWTType: Bool = false, defaultRoles: [String] = [],
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let issuer = issuers[0]
        let origins = allowOrigins.flatMap { ["--allow-origin", $0] }
        switch self {
        case .step6:
            let auth = try Step6.AuthOptions(issuer: issuer, acceptJWTType: acceptJWTType)
            return try await Step6.buildApplication(options, origins: try .parse(origins), keyFiles: keyFiles, auth: auth).test(.router, body)
        case .step7:
            let auth = try Step7.AuthOptions(issuers: issuers, acceptJWTType: acceptJWTType)
            return try await Step7.buildApplication(options, origins: try .parse(origins), keyFiles: keyFiles, auth: auth).test(.router, body)
        case .step8:
            let auth = try Step8.AuthOptions(issuers: issuers, acceptJWTType: acceptJWTType, defaultRoles: defaultRoles)
            return try await Step8.buildApplication(options, origins: try .parse(origins), keyFiles: keyFiles, auth: auth).test(.router, body)
        case .step9:
            let auth = try Step9.AuthOptions(issuers: issuers, acceptJWTType: acceptJWTType, defaultRoles: defaultRoles)
            let data = Step9.DataOptions(dataDirectory: TestKeys.emptyFolder().directory.path)
            return try await Step9.buildApplication(options, origins: try .parse(origins), keyFiles: keyFiles, auth: auth, data: data).test(.router, body)
        default:
            preconditionFailure("\(self) has no token checks")
        }
    }
}

/// Adds `Authorization: Bearer <token>` to every request that does not carry its own.
struct BearerClient: TestClientProtocol {
    let client: any TestClientProtocol
    let token: String

    var port: Int? { client.port }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws
        -> TestResponse
    {
        var headers = headers
        if headers[.authorization] == nil { headers[.authorization] = "Bearer \(token)" }
        return try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }
}
