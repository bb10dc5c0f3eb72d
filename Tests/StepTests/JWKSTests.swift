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

    @Test("a key folder with only public.pem: the step trusts that key and writes nothing", arguments: StepUnderTest.jwksSteps)
    func publicPEMAloneIsTrusted(step: StepUnderTest) async throws {
        let files = try TestKeys.publicPEMOnly()
        try await step.test(keyFiles: files) { client async throws in
            try await Self.expectTrusted(TestKeys.kid, step: step, client: client)
        }
        #expect(TestKeys.contents(of: files) == ["public.pem"])
        #expect(try String(contentsOf: files.publicKey, encoding: .utf8) == TestKeys.pair.publicKey.pemRepresentation)
    }

    @Test("a key folder with only jwks.json: the step trusts its key and writes nothing", arguments: StepUnderTest.jwksSteps)
    func jwksAloneIsTrusted(step: StepUnderTest) async throws {
        let files = try TestKeys.jwksOnly()
        try await step.test(keyFiles: files) { client async throws in
            try await Self.expectTrusted(TestKeys.kid, step: step, client: client)
        }
        #expect(TestKeys.contents(of: files) == ["jwks.json"])
    }

    @Test("a key folder with no public key stops the step with what is missing, where, and the command that makes it", arguments: StepUnderTest.jwksSteps)
    func missingPublicKeyIsRefused(step: StepUnderTest) async throws {
        for files in [TestKeys.emptyFolder(), try TestKeys.folder(with: [])] {
            let error = await #expect(throws: (any Error).self) { try await step.test(keyFiles: files) { _ in } }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains(files.directory.path) && message.contains("public.pem") && message.contains("jwks.json"))
            #expect(message.contains("swift run generate_token keys"))
            #expect(message.split(separator: "\n").count == 2, "\(message)")
            #expect(TestKeys.contents(of: files).isEmpty)
        }
    }

    @Test("the step never reads private.pem: a broken one beside a good public.pem is left alone", arguments: StepUnderTest.jwksSteps)
    func privateKeyIsNeverRead(step: StepUnderTest) async throws {
        let files = try TestKeys.folder(with: [("private.pem", "not a key"), ("public.pem", TestKeys.pair.publicKey.pemRepresentation)])
        try await step.test(keyFiles: files) { client async throws in
            try await Self.expectTrusted(TestKeys.kid, step: step, client: client)
        }
        #expect(try String(contentsOf: files.privateKey, encoding: .utf8) == "not a key")
    }

    @Test("a public key the step cannot use stops it with a message saying what to do, and is left alone")
    func unusablePublicKeyIsReported() async throws {
        let weak = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024)).publicKey.pemRepresentation
        let cases: [(name: String, text: String)] = [
            ("public.pem", "not a key"), ("public.pem", weak), ("jwks.json", "{"), ("jwks.json", #"{"keys":[]}"#),
            ("jwks.json", #"{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}"#),
        ]
        for (name, text) in cases {
            let files = try TestKeys.folder(with: [(name, text)])
            let error = #expect(throws: (any Error).self, "\(name): \(text)") {
                try Step5.buildApplication(StepUnderTest.options, origins: Step5.OriginOptions(allowOrigin: []), keyFiles: files)
            }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains(name) && message.contains("generate_token keys"), "\(message)")
            #expect(try String(contentsOf: files.directory.appendingPathComponent(name), encoding: .utf8) == text)
            #expect(TestKeys.contents(of: files) == [name])
        }
    }

    @Test("Step 5's /mcp is still open: no token needed yet")
    func stepFiveNeedsNoToken() async throws {
        try await StepUnderTest.step5.test { client async throws in
            #expect(try await client.initialize().status == .ok)
        }
    }

    /// The JWK Set publishes exactly `kid`; from Step 6 on, a token signed with that key is accepted.
    static func expectTrusted(_ kid: String, step: StepUnderTest, client: any TestClientProtocol) async throws {
        try await client.execute(uri: "/.well-known/jwks.json", method: .get, headers: [:]) { response in
            let body = try JSONValue(parsing: Data(String(buffer: response.body).utf8))
            #expect(body["keys"]?.arrayValue?.compactMap { $0["kid"]?.stringValue } == [kid])
        }
        #expect(try await client.initialize().status == .ok)
    }
}
