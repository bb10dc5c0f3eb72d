import Foundation
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// The clients-file member `token_exchange`: only for a configured confidential client that lists the
/// grant, and a mistake in it stops the issuer with a message naming the client and the fix.
extension TokenExchangeTests {
    static func clientsFile(_ client: String) -> Data {
        Data(#"{"clients": [{"client_id": "mcp-server", "client_secret": "\#(String(repeating: "s", count: 32))", \#(client)}]}"#.utf8)
    }

    static let policy = #""token_exchange": {"subject_audience": "http://127.0.0.1:9000/mcp", "targets": {"http://127.0.0.1:9100/calendar": {"calendar:read": "mcp:read"}}}"#

    @Test("the demo configuration reads as written")
    func policyIsRead() throws {
        let clients = try ClientsFile.parse(Self.clientsFile(#""grant_types": ["\#(Self.grantType)"], \#(Self.policy)"#), now: 0, source: "f")
        #expect(clients[0].tokenExchange?.subjectAudience == Self.mcp)
        #expect(clients[0].tokenExchange?.targets == [Self.calendar: ["calendar:read": "mcp:read"]])
    }

    @Test("the demo clients files of chapter 12 load: the home issuer's exchange client and the partner's calendar client")
    func demoClientsFilesLoad() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/delegation")
        let home = try ClientsFile.load(folder.appendingPathComponent("home.clients.json").path, now: 0)
        #expect(home.map(\.id) == ["workshop-delegation"] && home[0].isConfidential)
        #expect(home[0].tokenExchange?.targets == [Self.calendar: ["calendar:read": "mcp:read"]])
        let partner = try ClientsFile.load(folder.appendingPathComponent("partner.clients.json").path, now: 0)
        #expect(partner[0].ceiling == ["calendar:read"] && partner[0].tokenExchange == nil)
    }

    @Test(
        "a token_exchange mistake is a start-up error naming the client",
        arguments: [
            #""grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"]"#,
            #""grant_types": ["client_credentials"], "token_exchange": {}"#,
            #""grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"], "token_exchange": {"subject_audience": "mcp", "targets": {"http://127.0.0.1:9100/calendar": {"calendar:read": "mcp:read"}}}"#,
            #""grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"], "token_exchange": {"subject_audience": "http://127.0.0.1:9000/mcp", "targets": {}}"#,
            #""grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"], "token_exchange": {"subject_audience": "http://127.0.0.1:9000/mcp", "targets": {"calendar": {"calendar:read": "mcp:read"}}}"#,
            #""grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"], "token_exchange": {"subject_audience": "http://127.0.0.1:9000/mcp", "targets": {"http://127.0.0.1:9100/calendar": {"calendar:write": "mcp:read"}}}"#,
            #""grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"], "token_exchange": {"subject_audience": "http://127.0.0.1:9000/mcp", "targets": {"http://127.0.0.1:9100/calendar": {"calendar:read": ["mcp:read"]}}}"#,
            #""grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"], "token_exchange": {"subject_audience": "http://127.0.0.1:9000/mcp", "targets": {"http://127.0.0.1:9100/calendar/": {"calendar:read": "mcp:read"}}}"#,
            #""grant_types": ["urn:ietf:params:oauth:grant-type:token-exchange"], "token_exchange": {"subject_audience": "http://127.0.0.1:9000/mcp", "targets": {}, "extra": 1}"#,
        ])
    func policyMistakesAreRefused(client: String) {
        #expect {
            try ClientsFile.parse(Self.clientsFile(client), now: 0, source: "--clients-file f")
        } throws: { error in
            "\(error)".hasPrefix("--clients-file f: clients[0] (mcp-server): ") && "\(error)".contains("token_exchange")
        }
    }

    @Test("a public client may not exchange, and nobody may register for the grant at /register")
    func onlyConfiguredConfidentialClientsExchange() async throws {
        let publicClient = #"{"clients": [{"client_id": "p", "token_endpoint_auth_method": "none", "grant_types": ["\#(Self.grantType)"], \#(Self.policy)}]}"#
        #expect(throws: ClientsFile.Failure.self) { try ClientsFile.parse(Data(publicClient.utf8), now: 0, source: "f") }
        try await Harness.run(Self.settings()) { issuer in
            let reply = try await issuer.register([
                "token_endpoint_auth_method": "client_secret_basic", "grant_types": .array([.string(Self.grantType)]),
            ])
            #expect(reply.status == .badRequest && reply.error == "invalid_client_metadata")
        }
    }
}
