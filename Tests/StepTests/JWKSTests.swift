import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@testable import Step5

@Suite("JWKS (Steps 5-6)")
struct JWKSTests {
    @Test("the JWK Set holds the workshop public key: RSA, RS256, sig, thumbprint kid, no private members", arguments: StepUnderTest.jwksSteps)
    func jwksPublishesPublicKeyOnly(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            try await client.execute(uri: "/.well-known/jwks.json", method: .get, headers: [:]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.headers[.cacheControl]?.contains("max-age") == true)
                let body = try JSONValue(parsing: Data(String(buffer: response.body).utf8))
                let keys = try #require(body["keys"]?.arrayValue)
                #expect(keys.count == 1)
                let key = try #require(keys.first?.objectValue)
                #expect(Set(key.keys) == ["kty", "use", "alg", "kid", "n", "e"])
                #expect(key["kty"] == "RSA")
                #expect(key["alg"] == "RS256")
                #expect(key["use"] == "sig")
                #expect(key["kid"] == .string(TestKeys.kid))
                #expect(key["e"] == "AQAB")
                #expect(Base64URL.decode(key["n"]?.stringValue ?? "")?.count == 256)
            }
        }
    }

    @Test("the kid is the RFC 7638 thumbprint: the RFC's own example key gives the RFC's own value")
    func thumbprintMatchesRFC7638Example() throws {
        // RFC 7638 §3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        let publicKey = try _RSA.Signing.PublicKey(n: Base64URL.decode(n)!, e: Base64URL.decode("AQAB")!)
        let jwk = try JSONWebKey(publicKey)
        #expect(jwk.kid == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        #expect(jwk.n == n)
    }

    @Test("Step 5 creates the key pair on first start, owner-only, and reuses it afterwards")
    func keyPairIsCreatedOnceAndReused() async throws {
        let files = TestKeys.emptyFolder()
        let first = try Step5.TrustedKeys.load(from: files, logger: .init(label: "test"))
        let permissions = try FileManager.default.attributesOfItem(atPath: files.privateKey.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let second = try Step5.TrustedKeys.load(from: files, logger: .init(label: "test"))
        #expect(first.jwks.map(\.kid) == second.jwks.map(\.kid))
    }

    @Test("a corrupt private key file stops Step 5 with a message saying what to do, and is left alone")
    func corruptKeyIsReportedNotReplaced() throws {
        let files = TestKeys.emptyFolder()
        try FileManager.default.createDirectory(at: files.directory, withIntermediateDirectories: true)
        try Data("not a key".utf8).write(to: files.privateKey)
        #expect {
            try Step5.buildApplication(StepUnderTest.options, keyFiles: files)
        } throws: { error in
            "\(error)".contains("generate_token keys --rotate")
        }
        #expect(try String(contentsOf: files.privateKey, encoding: .utf8) == "not a key")
    }

    @Test("Step 5's /mcp is still open: no token needed yet")
    func stepFiveNeedsNoToken() async throws {
        try await StepUnderTest.step5.test { client async throws in
            #expect(try await client.initialize().status == .ok)
        }
    }
}
