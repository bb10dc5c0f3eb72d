import Crypto
import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import MCP
import Testing
import WorkshopSupport

@testable import Step2
@testable import Step3
@testable import Step4
@testable import Step5
@testable import Step6
@testable import Step8
@testable import Step9

/// The official MCP Swift SDK client (2025-11-25 over Streamable HTTP) against live steps on loopback.
@Suite("Interop: MCP Swift SDK client")
struct SwiftSDKClientTests {
    static let options = ServerOptions(host: "127.0.0.1", port: 0, logLevel: .critical)

    /// Connects the SDK client to a live server on a free loopback port and hands it to `body`.
    func withClient(
        _ app: some ApplicationProtocol,
        token: String? = nil,
        _ body: @escaping @Sendable (MCP.Client, MCP.Initialize.Result) async throws -> Void
    ) async throws {
        try await app.test(.live) { server in
            let port = try #require(server.port)
            let endpoint = try #require(URL(string: "http://127.0.0.1:\(port)/mcp"))
            // This SDK reads whole bodies and no SSE, which suits a server that answers application/json.
            let transport = HTTPClientTransport(endpoint: endpoint, streaming: false) { request in
                var request = request
                if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                return request
            }
            let client = Client(name: "swift-sdk-interop", version: "1.0.0")
            let initialized = try await client.connect(transport: transport)
            try await body(client, initialized)
            await client.disconnect()
        }
    }

    @Test("the Swift SDK client completes the initialize handshake with Step 2 and pings it")
    func connectsToStepTwo() async throws {
        try await withClient(Step2.buildApplication(Self.options, origins: Step2.OriginOptions(allowOrigin: []))) { client, initialized in
            #expect(initialized.protocolVersion == "2025-11-25")
            #expect(initialized.serverInfo.name == "mcp-workshop")
            try await client.ping()
        }
    }

    @Test("the Swift SDK client lists Step 3's tools and prompts")
    func listsStepThree() async throws {
        try await withClient(Step3.buildApplication(Self.options, origins: Step3.OriginOptions(allowOrigin: []))) { client, _ in
            let (tools, _) = try await client.listTools()
            #expect(tools.map(\.name) == ["echo", "get_time"])
            #expect(tools.first?.annotations.readOnlyHint == true)
            let (prompts, _) = try await client.listPrompts()
            #expect(prompts.map(\.name) == ["greeting", "help"])
        }
    }

    @Test("the Swift SDK client calls echo and gets the greeting prompt from Step 4")
    func callsStepFour() async throws {
        try await withClient(Step4.buildApplication(Self.options, origins: Step4.OriginOptions(allowOrigin: []))) { client, _ in
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

    @Test("with a token, the Swift SDK client connects to Step 6, lists tools and calls echo")
    func connectsToStepSixWithToken() async throws {
        let app = try Step6.buildApplication(Self.stepSixOptions, origins: Step6.OriginOptions(allowOrigin: []), keyFiles: Self.keys, auth: try AuthOptions(issuer: WorkshopDefaults.issuer))
        try await withClient(app, token: Self.token) { client, initialized in
            #expect(initialized.instructions?.contains("signed in as swift-sdk-user") == true)
            let (tools, _) = try await client.listTools()
            #expect(tools.map(\.name) == ["echo", "get_time"])
            let result = try await client.callTool(name: "echo", arguments: ["message": "authorized"])
            #expect(result.isError == false)
        }
    }

    @Test("without a token, the Swift SDK client cannot connect to Step 6")
    func refusedByStepSixWithoutToken() async throws {
        let app = try Step6.buildApplication(Self.stepSixOptions, origins: Step6.OriginOptions(allowOrigin: []), keyFiles: Self.keys, auth: try AuthOptions(issuer: WorkshopDefaults.issuer))
        try await app.test(.live) { server in
            let port = try #require(server.port)
            let endpoint = try #require(URL(string: "http://127.0.0.1:\(port)/mcp"))
            let client = Client(name: "swift-sdk-interop", version: "1.0.0")
            await #expect(throws: (any Error).self) {
                try await client.connect(transport: HTTPClientTransport(endpoint: endpoint, streaming: false))
            }
        }
    }

    /// The live server listens on a free port but keeps the default public URL, so tokens
    /// minted for the default audience fit it.
    static let stepSixOptions = ServerOptions(host: "127.0.0.1", port: 0, publicURL: "http://127.0.0.1:9000", logLevel: .critical)

    static let keys: KeyFiles = {
        let files = KeyFiles(directory: FileManager.default.temporaryDirectory.appendingPathComponent("interop-keys-\(UUID().uuidString)"))
        _ = try! WorkshopKeyPair.create(in: files)
        return files
    }()

    static let token = mint(subject: "swift-sdk-user", scope: "mcp:read mcp:tools")

    @Test("with a guest's token, the Swift SDK client lists no tools on Step 8 and a call is refused")
    func guestIsRefusedByStepEight() async throws {
        let app = try Step8.buildApplication(Self.stepSixOptions, origins: Step8.OriginOptions(allowOrigin: []), keyFiles: Self.keys, auth: try Step8.AuthOptions(issuer: WorkshopDefaults.issuer))
        let guest = Self.mint(subject: "guest", scope: "mcp:read", roles: ["guest"])
        try await withClient(app, token: guest) { client, _ in
            let (tools, _) = try await client.listTools()
            #expect(tools.isEmpty)
            await #expect(throws: (any Error).self) {
                _ = try await client.callTool(name: "echo", arguments: ["message": "hi"])
            }
        }
    }

    @Test("on Step 9, whoami tells the Swift SDK client who its token says it is, and notes are its own")
    func whoamiOnStepNine() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("interop-data-\(UUID().uuidString)").path
        let app = try await Step9.buildApplication(
            Self.stepSixOptions, origins: Step9.OriginOptions(allowOrigin: []), keyFiles: Self.keys, auth: try Step9.AuthOptions(issuer: WorkshopDefaults.issuer),
            data: Step9.DataOptions(dataDirectory: data))
        try await withClient(app, token: Self.mint(subject: "ada", scope: "mcp:read mcp:tools", roles: ["user"])) { client, _ in
            let call = try await client.send(CallTool.request(.init(name: "whoami", arguments: [:])))
            let result = try await call.value
            #expect(result.structuredContent?.objectValue?["subject"] == "ada")
            let created = try await client.callTool(name: "note_create", arguments: ["title": "t", "text": "from swift"])
            #expect(created.isError == false)
        }
    }

    /// A token as the token desk makes one: RS256, at+jwt, thumbprint kid, whole-second dates.
    static func mint(subject: String, scope: String, roles: [String] = ["user"]) -> String {
        let pair = try! WorkshopKeyPair.load(from: keys)!
        let jwk = try! Step6.JSONWebKey(pair.publicKey)
        let now = Int(Date().timeIntervalSince1970)
        let header: WorkshopSupport.JSONValue = ["alg": "RS256", "typ": "at+jwt", "kid": .string(jwk.kid)]
        let claims: WorkshopSupport.JSONValue = [
            "iss": .string(WorkshopDefaults.issuer), "sub": .string(subject), "aud": .string(WorkshopDefaults.resource),
            "exp": .int(now + 600), "iat": .int(now), "jti": .string(UUID().uuidString), "client_id": "interop",
            "scope": .string(scope), "roles": .array(roles.map { .string($0) }),
        ]
        let input = Base64URL.encode(header.encoded()) + "." + Base64URL.encode(claims.encoded())
        let signature = try! pair.privateKey.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }
}
