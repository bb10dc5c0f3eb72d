import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@testable import Step1
@testable import Step2
@testable import Step3
@testable import Step4

/// A step's application, driven in process through Hummingbird's router test client.
enum StepUnderTest: Int, CaseIterable, CustomTestStringConvertible, Sendable {
    case step1 = 1, step2, step3, step4

    static let mcpSteps: [Self] = [.step2, .step3, .step4]
    static let listingSteps: [Self] = [.step3, .step4]

    var testDescription: String { "Step\(rawValue)" }

    static let options = ServerOptions(host: "127.0.0.1", port: 9000, logLevel: .critical)

    func test<Value: Sendable>(
        _ options: ServerOptions = Self.options,
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        switch self {
        case .step1: try await Step1.buildApplication(options).test(.router, body)
        case .step2: try await Step2.buildApplication(options).test(.router, body)
        case .step3: try await Step3.buildApplication(options).test(.router, body)
        case .step4: try await Step4.buildApplication(options).test(.router, body)
        }
    }
}
