import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// Smaller points of the security review: what no one should depend on, refused before anyone can.
extension IssuerTests {
    @Test("a redirect URI with an impossible port is refused: at registration, and as a loopback variant at /authorize")
    func impossiblePortsAreRefused() async throws {
        try await Harness.run { issuer in
            let registration = try await issuer.register(["redirect_uris": ["http://127.0.0.1:99999/cb"]])
            #expect(registration.error == "invalid_redirect_uri")
            let client = try await issuer.client(redirectURIs: ["http://127.0.0.1:8765/callback"])
            for port in ["99999", "0"] {
                let reply = try await issuer.authorize(client.id, verifier: Harness.verifier(), [("redirect_uri", "http://127.0.0.1:\(port)/callback")])
                #expect(reply.status == .badRequest && reply.location == nil, "\(port)")
            }
        }
    }

    @Test("a registration that names a member twice is refused, rather than read one way here and another elsewhere")
    func duplicateMembersAreRefused() async throws {
        try await Harness.run { issuer in
            let body = #"{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none","token_endpoint_auth_method":"client_secret_basic"}"#
            let reply = try await issuer.send(.post, "/register", headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
            #expect(reply.status == .badRequest && reply.error == "invalid_client_metadata")
        }
    }

    @Test("every answer, JSON or page, tells browsers not to guess its type (X-Content-Type-Options: nosniff)")
    func answersSayNosniff() async throws {
        try await Harness.run { issuer in
            let client = try await issuer.client()
            let query = FormParameters.encode([
                ("response_type", "code"), ("client_id", client.id), ("code_challenge", Harness.challenge(Harness.verifier())),
                ("code_challenge_method", "S256"),
            ])
            for reply in [
                try await issuer.send(.get, "/.well-known/oauth-authorization-server"), try await issuer.send(.get, "/jwks.json"),
                try await issuer.post("/token", [("grant_type", "password")]), try await issuer.send(.get, "/authorize?" + query),
                try await issuer.send(.get, "/authorize?client_id=nobody", headers: [.accept: "text/html"]),
            ] {
                #expect(reply.headers[.xContentTypeOptions] == "nosniff", "\(reply.status) \(reply.text.prefix(60))")
            }
        }
    }
}
