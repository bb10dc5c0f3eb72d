import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// Bad input: every endpoint answers with a standard error, never a 500 (RFC 6749 §5.2, §4.1.2.1).
extension IssuerTests {
    @Test("a parameter sent twice is invalid_request, at the token endpoint and at the redirect URI")
    func duplicatedParameters() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let verifier = Harness.verifier()
            let twice = try await issuer.authorize(client.id, verifier: verifier, [("scope", "mcp:read"), ("scope", "mcp:admin")])
            #expect(twice.status == .found && twice.redirect["error"] == "invalid_request")
            let clientTwice = try await issuer.authorize(client.id, verifier: verifier, [("client_id", client.id)])
            #expect(clientTwice.status == .badRequest && clientTwice.location == nil)
            let token = try await issuer.post("/token", [("grant_type", "authorization_code"), ("grant_type", "client_credentials"), ("client_id", client.id)])
            #expect(token.error == "invalid_request")
        }
    }

    @Test("hostile input never gets a 500: missing, repeated, huge, malformed or non-UTF-8 parameters")
    func badInputNeverFails() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let huge = String(repeating: "x", count: 20_000)
            let forms = [
                "", "&&&", "=", "grant_type", "grant_type=%ZZ", "grant_type=%FF%FE", "client_id=%00&grant_type=refresh_token",
                "grant_type=authorization_code&client_id=\(client.id)&code=\(huge.prefix(8000))&code_verifier=\(huge.prefix(200))",
                "grant_type=refresh_token&client_id=\(client.id)&refresh_token=%E2%82",
                "grant_type=client_credentials&client_id=\(client.id)&scope=\(huge.prefix(5000))",
                "token=\(huge)", "response_type=code&client_id=\(client.id)&redirect_uri=%C0%AF",
            ]
            let headerSets: [HTTPFields] = [
                [.contentType: "application/x-www-form-urlencoded"],
                [.contentType: "application/json"], [:],
                [.contentType: "application/x-www-form-urlencoded", .authorization: "Basic"],
                [.contentType: "application/x-www-form-urlencoded", .authorization: "Basic ====="],
                [.contentType: "application/x-www-form-urlencoded", .authorization: "Basic " + String(repeating: "QUFB", count: 2000)],
                [.contentType: ";"],
            ]
            for path in ["/token", "/introspect", "/revoke", "/authorize", "/register"] {
                for headers in headerSets {
                    for form in forms {
                        let reply = try await issuer.send(.post, path, headers: headers, body: ByteBuffer(string: form))
                        #expect(reply.status.code >= 300 && reply.status.code < 500, "\(path) \(headers) \(form.prefix(80))")
                    }
                    var raw = ByteBuffer(bytes: [0xFF, 0xFE, 0x3D, 0xC3, 0x28])
                    let binary = try await issuer.send(.post, path, headers: headers, body: raw)
                    #expect(binary.status.code < 500)
                    raw = ByteBuffer(string: huge + huge)
                    #expect(try await issuer.send(.post, path, headers: headers, body: raw).status.code < 500)
                }
            }
            for query in ["", "client_id=", "client_id=%FF", "client_id=\(client.id)&redirect_uri=%%", "\(huge)", "a=1&a=2&a=3",
                          "client_id=\(client.id)&response_type=token&state=\(huge.prefix(2000))"] {
                let reply = try await issuer.send(.get, "/authorize?" + query, headers: [.accept: "text/html"])
                #expect(reply.status.code < 500, "\(query.prefix(80))")
            }
            for metadata: JSONValue in [
                [], "text", 1, ["redirect_uris": [1, 2]], ["redirect_uris": [.string(huge)]], ["client_name": .string(huge)],
                ["grant_types": .array(Array(repeating: "refresh_token", count: 100))], ["redirect_uris": ["http://[::1"]],
            ] {
                #expect(try await issuer.register(metadata).status.code < 500, "\(metadata.jsonText.prefix(80))")
            }
        }
    }

    @Test("a body over the size cap is refused with 413 and an OAuth error")
    func bodyTooLarge() async throws {
        try await Harness.run { issuer in
            let body = ByteBuffer(string: "grant_type=" + String(repeating: "x", count: 40_000))
            let reply = try await issuer.send(.post, "/token", headers: [.contentType: "application/x-www-form-urlencoded"], body: body)
            #expect(reply.status == .contentTooLarge)
            #expect(reply.error == "invalid_request")
        }
    }
}
