import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@Suite("Health (every step)")
struct HealthTests {
    @Test("GET /health answers 200 with status, step number, server name and version", arguments: StepUnderTest.allCases)
    func healthReportsStep(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try JSONValue(parsing: Data(String(buffer: response.body).utf8))
                #expect(body["status"] == "ok")
                #expect(body["step"] == .int(step.rawValue))
                #expect(body["server"] == "mcp-workshop")
                #expect(body["version"] == "1.0.0")
            }
        }
    }

    @Test("an unknown path answers 404", arguments: StepUnderTest.allCases)
    func unknownPathIsNotFound(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            try await client.execute(uri: "/nothing-here", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("Step 1 has no MCP endpoint yet")
    func stepOneHasNoMCPEndpoint() async throws {
        try await StepUnderTest.step1.test { client async throws in
            let exchange = try await client.initialize()
            #expect(exchange.status == .notFound)
        }
    }
}
