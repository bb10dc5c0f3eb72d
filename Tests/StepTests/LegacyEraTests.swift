import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@Suite("2025-11-25 era: initialize handshake (Steps 2-6)")
struct LegacyEraTests {
    @Test(
        "initialize echoes a supported protocol version",
        arguments: StepUnderTest.mcpSteps, ["2025-11-25", "2025-06-18", "2025-03-26"]
    )
    func initializeEchoesSupportedVersion(step: StepUnderTest, version: String) async throws {
        try await step.test { client async throws in
            let exchange = try await client.initialize(version: version)
            #expect(exchange.status == .ok)
            #expect(exchange.result?["protocolVersion"] == .string(version))
            #expect(exchange.result?["serverInfo"]?["name"] == "mcp-workshop")
            #expect(exchange.result?["capabilities"]?.objectValue != nil)
            #expect(exchange.result?["resultType"] == nil)
        }
    }

    @Test(
        "initialize answers an unknown version with the latest legacy one",
        arguments: StepUnderTest.mcpSteps, ["2024-11-05", "2099-01-01", "2026-07-28"]
    )
    func initializeOffersLatestVersion(step: StepUnderTest, version: String) async throws {
        try await step.test { client async throws in
            let exchange = try await client.initialize(version: version)
            #expect(exchange.result?["protocolVersion"] == "2025-11-25")
        }
    }

    @Test("initialize without a protocolVersion is invalid params", arguments: StepUnderTest.mcpSteps)
    func initializeWithoutVersionIsInvalid(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let exchange = try await client.legacy("initialize", params: ["capabilities": [:]])
            #expect(exchange.errorCode == -32602)
        }
    }

    @Test("ping answers an empty result", arguments: StepUnderTest.mcpSteps)
    func pingAnswersEmptyResult(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let exchange = try await client.legacy("ping", version: "2025-11-25")
            #expect(exchange.status == .ok)
            #expect(exchange.result == [:])
        }
    }

    @Test("an unknown method is -32601 with HTTP 200", arguments: StepUnderTest.mcpSteps)
    func unknownMethodIsNotFound(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let exchange = try await client.legacy("no/such/method", version: "2025-11-25")
            #expect(exchange.status == .ok)
            #expect(exchange.errorCode == -32601)
            #expect(exchange.json?["id"] == 1)
        }
    }

    @Test("an unsupported MCP-Protocol-Version header is refused with 400", arguments: StepUnderTest.mcpSteps)
    func unsupportedHeaderVersionIsRefused(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let exchange = try await client.legacy("ping", version: "1999-01-01")
            #expect(exchange.status == .badRequest)
            #expect(exchange.errorCode == -32022)
        }
    }

    @Test("a request without version header or _meta is served as a legacy request", arguments: StepUnderTest.mcpSteps)
    func noVersionClueMeansLegacy(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let exchange = try await client.legacy("ping")
            #expect(exchange.status == .ok)
            #expect(exchange.result == [:])
        }
    }
}
