import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing
import WorkshopSupport

@Suite("2026-07-28 era: stateless requests (Steps 2-6)")
struct ModernEraTests {
    @Test("server/discover lists versions, capabilities and caching hints", arguments: StepUnderTest.mcpSteps)
    func discoverDescribesServer(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let exchange = try await client.modern("server/discover")
            #expect(exchange.status == .ok)
            let result = try #require(exchange.result)
            #expect(result["resultType"] == "complete")
            #expect(result["supportedVersions"] == ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"])
            #expect(result["capabilities"]?.objectValue != nil)
            #expect(result["serverInfo"] == nil, "serverInfo belongs in _meta in 2026-07-28")
            #expect(result["ttlMs"]?.intValue != nil)
            // From Step 6 on the answer names the caller, so it is private.
            #expect(result["cacheScope"] == (step.rawValue >= 6 ? "private" : "public"))
            #expect(result["_meta"]?["io.modelcontextprotocol/serverInfo"]?["version"] == "1.0.0")
        }
    }

    @Test("a modern request without the required _meta keys is 400 with -32602", arguments: StepUnderTest.mcpSteps)
    func missingMetaIsInvalidParams(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let headers = MCPMessage.modernHeaders("server/discover")
            let withoutMeta = MCPMessage.request("server/discover")
            let withoutCapabilities = MCPMessage.request(
                "server/discover", params: ["_meta": ["io.modelcontextprotocol/protocolVersion": "2026-07-28"]])
            for body in [withoutMeta, withoutCapabilities] {
                let exchange = try await client.post(body.jsonText, headers: headers)
                #expect(exchange.status == .badRequest)
                #expect(exchange.errorCode == -32602)
            }
        }
    }

    @Test("an unsupported _meta protocol version is 400 with -32022 listing what is supported", arguments: StepUnderTest.mcpSteps)
    func unsupportedVersionIsRefused(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            var meta = MCPMessage.meta.objectValue!
            meta["io.modelcontextprotocol/protocolVersion"] = "2099-01-01"
            var headers = MCPMessage.modernHeaders("server/discover")
            headers[.init("MCP-Protocol-Version")!] = "2099-01-01"
            let body = MCPMessage.request("server/discover", params: ["_meta": .object(meta)])
            let exchange = try await client.post(body.jsonText, headers: headers)
            #expect(exchange.status == .badRequest)
            #expect(exchange.errorCode == -32022)
            #expect(exchange.json?["error"]?["data"]?["requested"] == "2099-01-01")
            #expect(exchange.json?["error"]?["data"]?["supported"]?.arrayValue?.contains("2026-07-28") == true)
        }
    }

    @Test(
        "an MCP header that is missing or disagrees with the body is 400 with -32020",
        arguments: StepUnderTest.mcpSteps
    )
    func headerMismatchIsRefused(step: StepUnderTest) async throws {
        let body = MCPMessage.request("server/discover", params: MCPMessage.modernParams([:])).jsonText
        let versionHeader = HTTPField.Name("MCP-Protocol-Version")!
        let methodHeader = HTTPField.Name("Mcp-Method")!
        var noVersion = MCPMessage.modernHeaders("server/discover")
        noVersion[versionHeader] = nil
        var otherVersion = MCPMessage.modernHeaders("server/discover")
        otherVersion[versionHeader] = "2025-11-25"
        var noMethod = MCPMessage.modernHeaders("server/discover")
        noMethod[methodHeader] = nil
        let otherMethod = MCPMessage.modernHeaders("tools/list")
        let mismatches = [noVersion, otherVersion, noMethod, otherMethod]
        try await step.test { client async throws in
            for headers in mismatches {
                let exchange = try await client.post(body, headers: headers)
                #expect(exchange.status == .badRequest)
                #expect(exchange.errorCode == -32020)
            }
        }
    }

    @Test("header names are compared case-insensitively", arguments: StepUnderTest.mcpSteps)
    func headerNamesAreCaseInsensitive(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            var headers = MCPMessage.jsonHeaders
            headers[.init("mcp-protocol-version")!] = "2026-07-28"
            headers[.init("MCP-METHOD")!] = "server/discover"
            let body = MCPMessage.request("server/discover", params: MCPMessage.modernParams([:]))
            #expect(try await client.post(body.jsonText, headers: headers).status == .ok)
        }
    }

    @Test("an unknown method, and ping, are 404 with -32601", arguments: StepUnderTest.mcpSteps)
    func unknownMethodIsNotFound(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            for method in ["no/such/method", "ping", "resources/list"] {
                let exchange = try await client.modern(method)
                #expect(exchange.status == .notFound, "\(method)")
                #expect(exchange.errorCode == -32601, "\(method)")
            }
        }
    }

    @Test("Mcp-Name must repeat params.name on tools/call, plain or base64-encoded", arguments: StepUnderTest.mcpSteps)
    func mcpNameMustMatch(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let params: [String: JSONValue] = ["name": "echo", "arguments": ["message": "hi"]]
            for name in [nil, "get_time", "=?base64?Z2V0X3RpbWU=?=", "=?base64?***?="] as [String?] {
                let exchange = try await client.modern("tools/call", params: params, name: name)
                #expect(exchange.status == .badRequest, "Mcp-Name \(name ?? "missing")")
                #expect(exchange.errorCode == -32020)
            }
            // The header checks pass; what happens next depends on the step.
            for name in ["echo", "=?base64?ZWNobw==?="] {
                let exchange = try await client.modern("tools/call", params: params, name: name)
                #expect(exchange.errorCode != -32020, "Mcp-Name \(name)")
            }
        }
    }
}
