import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@testable import Step2
@testable import Step9

extension StepUnderTest {
    /// The application as a browser page meets it: no token unless the request carries one.
    func asBrowser<Value: Sendable>(
        _ options: ServerOptions = Self.options, allowOrigins: [String] = [],
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        StepUnderTest.authSteps.contains(self)
            ? try await withoutToken(options, allowOrigins: allowOrigins, body) : try await test(options, allowOrigins: allowOrigins, body)
    }
}

/// What a browser sends before a POST with headers of its own (Fetch, CORS-preflight request).
enum Preflight {
    static let inspector = "http://localhost:6274"
    static let requestedHeaders = "authorization, content-type, mcp-protocol-version, mcp-method, mcp-name, mcp-param-region"

    static func headers(origin: String, method: String = "POST") -> HTTPFields {
        [.origin: origin, .accessControlRequestMethod: method, .accessControlRequestHeaders: requestedHeaders]
    }

    /// The names in a comma-separated header value, lower case.
    static func names(_ value: String?) -> Set<String> {
        Set((value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }
}

@Suite("Browser clients: CORS on /mcp (Steps 2-9)")
struct CORSTests {
    @Test("a preflight from an allowed local origin is answered 204 with what the POST may send", arguments: StepUnderTest.mcpSteps)
    func preflightFromLocalOriginIsAnswered(step: StepUnderTest) async throws {
        try await step.asBrowser { client async throws in
            try await client.execute(uri: "/mcp", method: .options, headers: Preflight.headers(origin: Preflight.inspector)) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == Preflight.inspector)
                #expect(Preflight.names(response.headers[.vary]).contains("origin"))
                #expect(Preflight.names(response.headers[.accessControlAllowMethods]).contains("post"))
                #expect(Preflight.names(response.headers[.accessControlAllowHeaders]).isSuperset(of: Preflight.names(Preflight.requestedHeaders)))
                #expect(Int(response.headers[.accessControlMaxAge] ?? "") ?? 0 > 0)
                // Tokens travel in Authorization, never in cookies.
                #expect(response.headers[.accessControlAllowCredentials] == nil)
            }
        }
    }

    @Test("a preflight from a foreign origin is refused with 403 and no CORS headers", arguments: StepUnderTest.mcpSteps)
    func preflightFromForeignOriginIsForbidden(step: StepUnderTest) async throws {
        try await step.asBrowser { client async throws in
            for origin in ["http://evil.example", "null", "http://localhost.evil.example:6274"] {
                try await client.execute(uri: "/mcp", method: .options, headers: Preflight.headers(origin: origin)) { response in
                    #expect(response.status == .forbidden, "Origin \(origin)")
                    #expect(response.headers[.accessControlAllowOrigin] == nil, "Origin \(origin)")
                }
            }
        }
    }

    @Test("answers to an allowed origin name it, vary by it, and expose the headers clients read", arguments: StepUnderTest.mcpSteps)
    func answersToAllowedOriginCarryCORSHeaders(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            var headers = MCPMessage.jsonHeaders
            headers[.origin] = Preflight.inspector
            let exchange = try await client.post(MCPMessage.request("ping").jsonText, headers: headers)
            #expect(exchange.status == .ok)
            #expect(exchange.headers[.accessControlAllowOrigin] == Preflight.inspector)
            #expect(Preflight.names(exchange.headers[.vary]).contains("origin"))
            #expect(Preflight.names(exchange.headers[.accessControlExposeHeaders]).isSuperset(of: ["www-authenticate", "mcp-protocol-version"]))
            #expect(exchange.headers[.accessControlAllowCredentials] == nil)
        }
    }

    @Test("a request without Origin gets no CORS headers: curl and SDK clients are not browsers", arguments: StepUnderTest.mcpSteps)
    func requestWithoutOriginGetsNoCORSHeaders(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let exchange = try await client.post(MCPMessage.request("ping").jsonText)
            #expect(exchange.status == .ok)
            #expect(exchange.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("the 401 lets an allowed browser origin read its WWW-Authenticate challenge", arguments: StepUnderTest.authSteps)
    func unauthorizedExposesChallengeToBrowser(step: StepUnderTest) async throws {
        try await step.withoutToken { client async throws in
            var headers = MCPMessage.jsonHeaders
            headers[.origin] = Preflight.inspector
            let exchange = try await client.post(MCPMessage.request("ping").jsonText, headers: headers)
            #expect(exchange.status == .unauthorized)
            #expect(exchange.headers[.wwwAuthenticate] != nil)
            #expect(exchange.headers[.accessControlAllowOrigin] == Preflight.inspector)
            #expect(Preflight.names(exchange.headers[.vary]).contains("origin"))
            #expect(Preflight.names(exchange.headers[.accessControlExposeHeaders]).contains("www-authenticate"))
        }
    }

    @Test("a request from a foreign origin is refused with 403 before its token is looked at", arguments: StepUnderTest.authSteps)
    func foreignOriginIsRefusedBeforeAuthentication(step: StepUnderTest) async throws {
        try await step.withoutToken { client async throws in
            var headers = MCPMessage.jsonHeaders
            headers[.origin] = "http://evil.example"
            let exchange = try await client.post(MCPMessage.request("ping").jsonText, headers: headers)
            #expect(exchange.status == .forbidden)
            #expect(exchange.headers[.wwwAuthenticate] == nil)
            #expect(exchange.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("a 403 from the policy reaches an allowed browser origin with its challenge exposed", arguments: StepUnderTest.policySteps)
    func policyRefusalReachesBrowser(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            var headers = MCPMessage.jsonHeaders
            headers[.origin] = Preflight.inspector
            let call = MCPMessage.request("tools/call", params: ["name": "server_status", "arguments": [:]])
            let exchange = try await client.post(call.jsonText, headers: headers)
            #expect(exchange.status == .forbidden)
            #expect(exchange.headers[.accessControlAllowOrigin] == Preflight.inspector)
            #expect(Preflight.names(exchange.headers[.accessControlExposeHeaders]).contains("www-authenticate"))
        }
    }

    @Test("--allow-origin admits that origin's pages, and only that origin's", arguments: StepUnderTest.mcpSteps)
    func allowOriginAdmitsThatOrigin(step: StepUnderTest) async throws {
        try await step.asBrowser(allowOrigins: ["https://Inspector.example/"]) { client async throws in
            try await client.execute(uri: "/mcp", method: .options, headers: Preflight.headers(origin: "https://inspector.example")) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "https://inspector.example")
            }
            for origin in ["http://inspector.example", "https://inspector.example:8443", "https://other.example"] {
                try await client.execute(uri: "/mcp", method: .options, headers: Preflight.headers(origin: origin)) { response in
                    #expect(response.status == .forbidden, "Origin \(origin)")
                }
            }
        }
        try await step.test(allowOrigins: ["https://inspector.example"]) { client async throws in
            var headers = MCPMessage.jsonHeaders
            headers[.origin] = "https://inspector.example"
            let exchange = try await client.post(MCPMessage.request("ping").jsonText, headers: headers)
            #expect(exchange.status == .ok)
            #expect(exchange.headers[.accessControlAllowOrigin] == "https://inspector.example")
        }
    }

    @Test(
        "--allow-origin takes an origin and nothing else",
        arguments: [["--allow-origin", "*"], ["--allow-origin", "null"], ["--allow-origin", "inspector.example"],
                    ["--allow-origin", "https://inspector.example/app"], ["--allow-origin", "ftp://inspector.example"],
                    ["--allow-origin", ""]]
    )
    func allowOriginRefusesWhatIsNotAnOrigin(arguments: [String]) {
        #expect(throws: (any Error).self) { try Step2.OriginOptions.parse(arguments) }
        #expect(throws: (any Error).self) { try Step9.OriginOptions.parse(arguments) }
    }

    @Test("a preflight names the Mcp-Param headers the browser asks for, and no other unknown header")
    func preflightAllowsRequestedParameterHeaders() async throws {
        try await StepUnderTest.step2.test { client async throws in
            var headers = Preflight.headers(origin: Preflight.inspector)
            headers[.accessControlRequestHeaders] = "content-type, Mcp-Param-Region, x-custom, mcp-param-bad name"
            try await client.execute(uri: "/mcp", method: .options, headers: headers) { response in
                let allowed = Preflight.names(response.headers[.accessControlAllowHeaders])
                #expect(allowed.contains("mcp-param-region"))
                #expect(!allowed.contains("x-custom"))
                #expect(!allowed.contains("mcp-param-bad name"))
            }
        }
    }
}
