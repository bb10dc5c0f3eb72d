import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@Suite("OAuth protected resource metadata (Steps 7-8)")
struct MetadataTests {

    static func document(_ client: any TestClientProtocol, _ path: String, headers: HTTPFields = [:]) async throws
        -> (HTTPResponse.Status, HTTPFields, JSONValue?)
    {
        try await client.execute(uri: path, method: .get, headers: headers) { response in
            (response.status, response.headers, try? JSONValue(parsing: Data(String(buffer: response.body).utf8)))
        }
    }

    @Test("the metadata is served at the RFC 9728 path for /mcp and at the root well-known path, without a token", arguments: StepUnderTest.metadataSteps)
    func metadataAtBothPaths(step: StepUnderTest) async throws {
        try await step.withoutToken { client async throws in
            for path in ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"] {
                let (status, headers, body) = try await Self.document(client, path)
                #expect(status == .ok, "\(path)")
                #expect(headers[.contentType] == "application/json")
                #expect(headers[.accessControlAllowOrigin] == "*")
                #expect(body?["resource"] == "http://127.0.0.1:9000/mcp")
                #expect(body?["authorization_servers"] == [.string(WorkshopDefaults.issuer)])
                #expect(body?["scopes_supported"] == ["mcp:read", "mcp:tools", "mcp:prompts"])
                #expect(body?["bearer_methods_supported"] == ["header"])
                #expect(body?["jwks_uri"] == nil)
            }
        }
    }

    @Test("a browser's CORS preflight for the metadata is answered, for any request headers", arguments: StepUnderTest.metadataSteps)
    func preflightIsAnswered(step: StepUnderTest) async throws {
        try await step.withoutToken { client async throws in
            for path in ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"] {
                let headers: HTTPFields = [
                    .origin: "http://localhost:6274", .accessControlRequestMethod: "GET",
                    .accessControlRequestHeaders: "mcp-protocol-version",
                ]
                try await client.execute(uri: path, method: .options, headers: headers) { response in
                    #expect(response.status == .noContent)
                    #expect(response.headers[.accessControlAllowOrigin] == "*")
                    #expect(response.headers[.accessControlAllowHeaders] == "*")
                    #expect(response.headers[.accessControlAllowMethods]?.contains("GET") == true)
                }
            }
        }
    }

    @Test("a metadata request carrying MCP headers is served all the same", arguments: StepUnderTest.metadataSteps)
    func mcpHeadersDoNotMatter(step: StepUnderTest) async throws {
        try await step.withoutToken { client async throws in
            let headers: HTTPFields = [
                .init("MCP-Protocol-Version")!: "2026-07-28", .init("Mcp-Method")!: "server/discover", .accept: "application/json",
            ]
            let (status, _, body) = try await Self.document(client, "/.well-known/oauth-protected-resource/mcp", headers: headers)
            #expect(status == .ok)
            #expect(body?["resource"] != nil)
        }
    }

    @Test("resource, audience and metadata URL all follow --public-url and --issuer", arguments: StepUnderTest.metadataSteps)
    func metadataFollowsOptions(step: StepUnderTest) async throws {
        let options = ServerOptions(port: 9000, publicURL: "https://mcp.example.com", logLevel: .critical)
        try await TestIssuer.run { issuer in
            try await step.withoutToken(options, issuer: issuer.url) { client async throws in
                let (_, _, body) = try await Self.document(client, "/.well-known/oauth-protected-resource/mcp")
                #expect(body?["resource"] == "https://mcp.example.com/mcp")
                #expect(body?["authorization_servers"] == .array([.string(issuer.url)]))
                let refused = try await client.ping(authorization: [])
                #expect(refused.headers[.wwwAuthenticate]?.contains(
                    #"resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#) == true)
                let token = issuer.token { $0["aud"] = "https://mcp.example.com/mcp" }
                #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .ok)
            }
        }
    }

    @Test("every 401 names the metadata and the baseline scopes, with or without an error code", arguments: StepUnderTest.metadataSteps)
    func challengesPointToMetadata(step: StepUnderTest) async throws {
        try await step.withoutToken { client async throws in
            let missing = try await client.ping(authorization: [])
            #expect(missing.headers[.wwwAuthenticate] == #"Bearer realm="mcp", resource_metadata="http://127.0.0.1:9000/.well-known/oauth-protected-resource/mcp", scope="mcp:read mcp:tools mcp:prompts""#)
            let invalid = try await client.ping(authorization: ["Bearer not.a.token"])
            let challenge = try #require(invalid.headers[.wwwAuthenticate])
            #expect(challenge.contains(#"resource_metadata="http://127.0.0.1:9000/.well-known/oauth-protected-resource/mcp""#))
            #expect(challenge.contains(#"scope="mcp:read mcp:tools mcp:prompts""#))
            #expect(challenge.contains(#"error="invalid_token""#))
        }
    }

    @Test("Step 6 has no metadata yet, and its challenges name none")
    func stepSixHasNoMetadata() async throws {
        try await StepUnderTest.step6.withoutToken { client async throws in
            let (status, _, _) = try await Self.document(client, "/.well-known/oauth-protected-resource/mcp")
            #expect(status == .notFound)
            #expect(try await client.ping(authorization: []).headers[.wwwAuthenticate] == #"Bearer realm="mcp""#)
        }
    }
}
