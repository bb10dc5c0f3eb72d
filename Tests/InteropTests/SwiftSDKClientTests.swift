import Foundation
import Hummingbird
import HummingbirdTesting
import MCP
import Testing
import WorkshopSupport

@testable import Step2
@testable import Step3
@testable import Step4

/// The official MCP Swift SDK client (2025-11-25 over Streamable HTTP) against live steps on loopback.
@Suite("Interop: MCP Swift SDK client")
struct SwiftSDKClientTests {
    static let options = ServerOptions(host: "127.0.0.1", port: 0, logLevel: .critical)

    /// Connects the SDK client to a live server on a free loopback port and hands it to `body`.
    func withClient(
        _ app: some ApplicationProtocol,
        _ body: @escaping @Sendable (MCP.Client, MCP.Initialize.Result) async throws -> Void
    ) async throws {
        try await app.test(.live) { server in
            let port = try #require(server.port)
            let endpoint = try #require(URL(string: "http://127.0.0.1:\(port)/mcp"))
            // This SDK reads whole bodies and no SSE, which suits a server that answers application/json.
            let transport = HTTPClientTransport(endpoint: endpoint, streaming: false)
            let client = Client(name: "swift-sdk-interop", version: "1.0.0")
            let initialized = try await client.connect(transport: transport)
            try await body(client, initialized)
            await client.disconnect()
        }
    }

    @Test("the Swift SDK client completes the initialize handshake with Step 2 and pings it")
    func connectsToStepTwo() async throws {
        try await withClient(Step2.buildApplication(Self.options)) { client, initialized in
            #expect(initialized.protocolVersion == "2025-11-25")
            #expect(initialized.serverInfo.name == "mcp-workshop")
            try await client.ping()
        }
    }

    @Test("the Swift SDK client lists Step 3's tools and prompts")
    func listsStepThree() async throws {
        try await withClient(Step3.buildApplication(Self.options)) { client, _ in
            let (tools, _) = try await client.listTools()
            #expect(tools.map(\.name) == ["echo", "get_time"])
            #expect(tools.first?.annotations.readOnlyHint == true)
            let (prompts, _) = try await client.listPrompts()
            #expect(prompts.map(\.name) == ["greeting", "help"])
        }
    }

    @Test("the Swift SDK client calls echo and gets the greeting prompt from Step 4")
    func callsStepFour() async throws {
        try await withClient(Step4.buildApplication(Self.options)) { client, _ in
            let call = try await client.send(CallTool.request(.init(name: "echo", arguments: ["message": "hello", "repeat_count": 2])))
            let result = try await call.value
            #expect(result.isError == false)
            #expect(result.structuredContent == ["echoed": "hello hello", "repeat_count": 2])
            guard case .text(let text, _, _)? = result.content.first else {
                Issue.record("echo returned no text content")
                return
            }
            #expect(text.contains("hello hello"))

            let bad = try await client.callTool(name: "echo", arguments: ["repeat_count": 99])
            #expect(bad.isError == true)

            let prompt = try await client.getPrompt(name: "greeting", arguments: ["name": "Ada"])
            guard case .text(let greeting)? = prompt.messages.first?.content else {
                Issue.record("greeting has no text message")
                return
            }
            #expect(greeting.contains("Ada"))
        }
    }
}
