import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@Suite("Streamable HTTP transport rules (Steps 2-6)")
struct TransportTests {
    @Test("a request from a foreign Origin is refused with 403", arguments: StepUnderTest.mcpSteps)
    func foreignOriginIsForbidden(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            for origin in ["http://evil.example", "null", "http://127.0.0.1.evil.example", "http://localhost.evil.example:9000"] {
                var headers = MCPMessage.jsonHeaders
                headers[.origin] = origin
                let exchange = try await client.post(MCPMessage.request("ping").jsonText, headers: headers)
                #expect(exchange.status == .forbidden, "Origin \(origin)")
                #expect(exchange.json?["id"] == .null)
            }
        }
    }

    @Test("local origins and the public URL's origin are allowed", arguments: StepUnderTest.mcpSteps)
    func localOriginsAreAllowed(step: StepUnderTest) async throws {
        let options = ServerOptions(port: 9000, publicURL: "https://mcp.example.com", logLevel: .critical)
        try await step.test(options) { client async throws in
            for origin in ["http://localhost:3000", "http://127.0.0.1:9000", "http://[::1]:6274", "https://mcp.example.com"] {
                var headers = MCPMessage.jsonHeaders
                headers[.origin] = origin
                let exchange = try await client.post(MCPMessage.request("ping").jsonText, headers: headers)
                #expect(exchange.status == .ok, "Origin \(origin)")
            }
        }
    }

    @Test("GET, DELETE, PUT and an OPTIONS that is no preflight on /mcp answer 405 with Allow: POST", arguments: StepUnderTest.mcpSteps)
    func otherMethodsAreNotAllowed(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            for method in [HTTPRequest.Method.get, .delete, .put, .options] {
                try await client.execute(uri: "/mcp", method: method, headers: [.accept: "text/event-stream"]) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == "POST")
                }
            }
        }
    }

    @Test("a body that is not application/json is refused with 415", arguments: StepUnderTest.mcpSteps)
    func nonJSONContentTypeIsUnsupported(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            for contentType in ["text/plain", "application/x-www-form-urlencoded", "application/jsonx", "", "json", "application/json,"] {
                var headers = MCPMessage.jsonHeaders
                headers[.contentType] = contentType
                let exchange = try await client.post(MCPMessage.request("ping").jsonText, headers: headers)
                #expect(exchange.status == .unsupportedMediaType, "Content-Type \(contentType)")
            }
            // Parameters, white space around the type and letter case do not change the media type (RFC 9110 §8.3.1).
            for contentType in ["application/json; charset=utf-8", "Application/JSON", " application/json\t;charset=UTF-8", "application/json;"] {
                var headers = MCPMessage.jsonHeaders
                headers[.contentType] = contentType
                #expect(try await client.post(MCPMessage.request("ping").jsonText, headers: headers).status == .ok, "Content-Type \(contentType)")
            }
        }
    }

    @Test("an Accept header that excludes JSON is refused with 406", arguments: StepUnderTest.mcpSteps)
    func acceptWithoutJSONIsNotAcceptable(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            var headers = MCPMessage.jsonHeaders
            for accept in ["text/html", "text/event-stream", "application/jsonl, text/*", "application/json-seq", "*/json"] {
                headers[.accept] = accept
                #expect(try await client.post(MCPMessage.request("ping").jsonText, headers: headers).status == .notAcceptable, "Accept \(accept)")
            }
            for accept in ["*/*", "text/event-stream,application/*;q=0.1", "text/html , APPLICATION/JSON;q=0.5", "\tapplication/json"] {
                headers[.accept] = accept
                #expect(try await client.post(MCPMessage.request("ping").jsonText, headers: headers).status == .ok, "Accept \(accept)")
            }
        }
    }

    @Test("a body over 1 MiB is refused with 413", arguments: StepUnderTest.mcpSteps)
    func oversizedBodyIsTooLarge(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let padding = String(repeating: " ", count: (1 << 20) + 1)
            let exchange = try await client.post(MCPMessage.request("ping").jsonText + padding)
            #expect(exchange.status == .contentTooLarge)
        }
    }

    @Test(
        "a body that is not JSON is a parse error: 400, -32700, id null",
        arguments: StepUnderTest.mcpSteps
    )
    func malformedJSONIsParseError(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            for body in ["{", "", "nonsense", #"{"jsonrpc":"2.0","id":1,"method":"ping""#, String(repeating: "[", count: 100_000)] {
                let exchange = try await client.post(body)
                #expect(exchange.status == .badRequest)
                #expect(exchange.errorCode == -32700)
                #expect(exchange.json?["id"] == .null)
            }
        }
    }

    @Test(
        "a batch or a malformed envelope is an invalid request: 400, -32600",
        arguments: StepUnderTest.mcpSteps
    )
    func invalidEnvelopeIsInvalidRequest(step: StepUnderTest) async throws {
        let bodies = [
            #"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, "[]", "42", #""ping""#, "null",
            #"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, #"{"id":1,"method":"ping"}"#,
            #"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, #"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,
            #"{"jsonrpc":"2.0","id":true,"method":"ping"}"#, #"{"jsonrpc":"2.0","id":1,"method":7}"#,
            #"{"jsonrpc":"2.0","id":1}"#, #"{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}"#,
            #"{"jsonrpc":"2.0","id":1,"result":{}}"#,
        ]
        try await step.test { client async throws in
            for body in bodies {
                let exchange = try await client.post(body)
                #expect(exchange.status == .badRequest, "\(body)")
                #expect(exchange.errorCode == -32600, "\(body)")
            }
        }
    }

    @Test("a notification is accepted with 202 and an empty body", arguments: StepUnderTest.mcpSteps)
    func notificationIsAccepted(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let exchange = try await client.legacy("notifications/initialized", id: nil)
            #expect(exchange.status == .accepted)
            #expect(exchange.text.isEmpty)
        }
    }

    @Test("answers are application/json and never carry a session id", arguments: StepUnderTest.mcpSteps)
    func answersAreJSONWithoutSession(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            for exchange in [try await client.initialize(), try await client.modern("server/discover")] {
                #expect(exchange.headers[.contentType] == "application/json")
                #expect(exchange.headers[.init("Mcp-Session-Id")!] == nil)
            }
        }
    }

    @Test("string and integer request ids are echoed back unchanged", arguments: StepUnderTest.mcpSteps)
    func requestIdsAreEchoed(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            for id: JSONValue in ["abc-1", 0, -7, 9_007_199_254_740_991] {
                let exchange = try await client.legacy("ping", id: id)
                #expect(exchange.json?["id"] == id)
            }
        }
    }
}
