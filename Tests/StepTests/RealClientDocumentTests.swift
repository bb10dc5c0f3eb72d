import Foundation
import HTTPTypes
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// The metadata documents real MCP clients publish, with their field sets as published (Tests/Fixtures/cimd/):
/// VS Code's https://vscode.dev/oauth/client-metadata.json, Claude Code's
/// https://claude.ai/oauth/claude-code-client-metadata, Claude's (Desktop and claude.ai)
/// https://claude.ai/oauth/mcp-oauth-client-metadata and ChatGPT's https://chatgpt.com/oauth/<id>/client.json.
/// Served locally, so their client_id (and ChatGPT's jwks_uri) is the local URL; every other field is theirs.
@Suite("Real clients' metadata documents")
struct RealClientDocumentTests {
    typealias Harness = IssuerHarness

    struct Fixture: Sendable, CustomTestStringConvertible {
        let file: String
        /// The redirect URI the client really uses: VS Code's fixed loopback port, Claude Code's ephemeral one.
        let redirectURI: String
        let authMethod: RegisteredClient.AuthMethod
        /// Every redirect URI on this machine: the consent page warns.
        let localhostOnly: Bool
        var testDescription: String { file }
    }

    static let fixtures = [
        // Lists a device code grant this issuer does not offer: ignored.
        Fixture(file: "vscode", redirectURI: "http://127.0.0.1:33418/", authMethod: .none, localhostOnly: false),
        // Lists port-less loopback URIs and listens on any port (RFC 8252 §7.3).
        Fixture(file: "claude-code", redirectURI: "http://localhost:53682/callback", authMethod: .none, localhostOnly: true),
        // Lists the JWT bearer grant of enterprise-managed authorization: ignored.
        Fixture(file: "claude-desktop", redirectURI: "https://claude.ai/api/mcp/auth_callback", authMethod: .none, localhostOnly: false),
        // Prefers private_key_jwt and also offers none (token_endpoint_auth_methods_supported): private_key_jwt it is.
        Fixture(file: "chatgpt", redirectURI: "https://chatgpt.com/connector/oauth/IbUR3zxyNQ16", authMethod: .privateKeyJWT, localhostOnly: false),
    ]

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/cimd")

    @Test("a real client's document is accepted and the client signs in and gets its tokens", arguments: fixtures)
    func accepted(_ fixture: Fixture) async throws {
        let template = try String(contentsOf: Self.folder.appendingPathComponent(fixture.file + ".json"), encoding: .utf8)
        try await DocumentHost.run { host in
            let id = host.url("/oauth/\(fixture.file)/client.json")
            let text = template.replacingOccurrences(of: "{{client_id}}", with: id).replacingOccurrences(of: "{{jwks_uri}}", with: host.url("/oauth/jwks.json"))
            host.serve("/oauth/\(fixture.file)/client.json", .init(body: Array(text.utf8)))
            host.serve("/oauth/jwks.json", document: ClientKey.jwks)
            try await Harness.run(Harness.documentSettings()) { issuer in
                let page = try await issuer.authorizationPage(id, redirectURI: fixture.redirectURI, html: true)
                #expect(page.status == .ok, "\(page.text)")
                #expect(page.text.contains(#"class="warning""#) == fixture.localhostOnly)
                let granted = try #require(try await issuer.code(id, redirectURI: fixture.redirectURI))
                let authentication = fixture.authMethod == .none ? [("client_id", id)] : ClientKey.authentication(ClientKey.assertion(id))
                let reply = try await issuer.redeem(granted.code, verifier: granted.verifier, redirectURI: fixture.redirectURI, authentication)
                #expect(reply.status == .ok, "\(reply.text)")
                #expect(reply.json["scope"] == "mcp:read mcp:tools mcp:prompts")
            }
        }
    }

    @Test("ChatGPT's document without its keys falls back to none, the other method it offers")
    func choicesFallBack() throws {
        let url = try ClientIDURL("https://chatgpt.com/oauth/IbUR3zxyNQ16/client.json")
        var document = try JSONValue(parsing: Data(contentsOf: Self.folder.appendingPathComponent("chatgpt.json"))).objectValue!
        document["client_id"] = .string(url.text)
        document["jwks_uri"] = nil
        document["token_endpoint_auth_method"] = nil
        #expect(try ClientMetadataDocument(JSONValue.object(document).encoded(), fetchedFrom: url).authMethod == .none)
        document["token_endpoint_auth_methods_supported"] = ["private_key_jwt", "none"]
        #expect(try ClientMetadataDocument(JSONValue.object(document).encoded(), fetchedFrom: url).authMethod == .none)
        document["jwks_uri"] = "https://chatgpt.com/oauth/jwks.json"
        #expect(try ClientMetadataDocument(JSONValue.object(document).encoded(), fetchedFrom: url).authMethod == .privateKeyJWT)
    }
}
