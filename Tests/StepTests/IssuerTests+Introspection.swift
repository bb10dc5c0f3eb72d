import Foundation
import HTTPTypes
import Hummingbird
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// Introspection only for those entitled to it (RFC 7662 §4): the resource servers the operator allows.
extension IssuerTests {
    @Test("I2a: a self-registered confidential client may not introspect: 403 unauthorized_client, whatever the token")
    func selfRegisteredClientMayNotIntrospect() async throws {
        try await Harness.run { issuer in
            let alice = try await issuer.tokens(try await issuer.client().id)
            let scanner = try await issuer.client("client_secret_basic", grantTypes: ["client_credentials"])
            for token in [alice.json["access_token"], alice.json["refresh_token"], "garbage"] {
                let reply = try await issuer.post(
                    "/introspect", [("token", token?.stringValue ?? "")], headers: Harness.basic(scanner.id, scanner.secret ?? ""))
                #expect(reply.status == .forbidden && reply.error == "unauthorized_client")
                #expect(reply.json["active"] == nil && !reply.text.contains("alice"))
            }
            let allowed = try await issuer.post("/introspect", [("token", alice.json["access_token"]?.stringValue ?? "")], headers: Harness.introspector)
            #expect(allowed.json["active"] == true && allowed.json["username"] == "alice")
        }
    }

    @Test("I2b: a refresh token is never shown to a client it was not issued to, not even an allowed resource server")
    func refreshTokensAreNotIntrospectedForOthers() async throws {
        try await Harness.run { issuer in
            let tokens = try await issuer.tokens(try await issuer.client().id)
            let reply = try await issuer.post("/introspect", [("token", tokens.json["refresh_token"]?.stringValue ?? "")], headers: Harness.introspector)
            #expect(reply.status == .ok && reply.json == ["active": false])
        }
    }

    @Test("the clients file: introspection is for a confidential client, and must be true or false")
    func introspectionNeedsAConfidentialClient() throws {
        let publicClient = #"{"clients": [{"client_id": "rs", "token_endpoint_auth_method": "none", "grant_types": [], "introspection": true}]}"#
        #expect(throws: ClientsFile.Failure.self) { try ClientsFile.parse(Data(publicClient.utf8), now: 0, source: "f") }
        let secret = String(repeating: "s", count: 32)
        let notBool = #"{"clients": [{"client_id": "rs", "client_secret": "\#(secret)", "grant_types": [], "introspection": "yes"}]}"#
        #expect(throws: ClientsFile.Failure.self) { try ClientsFile.parse(Data(notBool.utf8), now: 0, source: "f") }
    }
}
