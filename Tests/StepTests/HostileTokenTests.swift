import Crypto
import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

/// A token, or a way of presenting one, that Step 6 must refuse.
struct HostileToken: CustomTestStringConvertible, Sendable {
    let name: String
    /// The Authorization header values sent; usually one "Bearer <token>".
    let authorization: [String]

    var testDescription: String { name }

    init(_ name: String, _ token: @autoclosure () -> String) {
        self.name = name
        authorization = ["Bearer \(token())"]
    }

    init(_ name: String, headers: [String]) {
        self.name = name
        authorization = headers
    }

    static let corpus = makeCorpus()

    /// The corpus, forged for `TokenForge.issuer` (the workshop issuer unless a test sets another).
    static func makeCorpus() -> [HostileToken] {
        let valid = TokenForge.valid()
        let parts = valid.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let respelled = parts[2].dropLast() + String(alphabet[alphabet.firstIndex(of: parts[2].last!)! | 1])
        let now = TokenForge.now()
        let attackerKid = TestKeys.thumbprint(TestKeys.attacker.publicKey)
        let attackerJWK: JSONValue = ["kty": "RSA", "kid": .string(attackerKid), "n": "…", "e": "AQAB"]
        let publicPEM = Data(TestKeys.pair.publicKey.pemRepresentation.utf8)
        let headerText = JSONValue.object(TokenForge.validHeader).jsonText
        let claimsText = JSONValue.object(TokenForge.validClaims()).jsonText
        var tampered = TokenForge.validClaims()
        tampered["scope"] = "mcp:admin"
        return [
            // The algorithm comes from our allow-list, never from the token (RFC 8725 §2.1, §3.1).
            HostileToken("alg none, no signature", TokenForge.with(header: { $0["alg"] = "none" }, signer: .unsigned)),
            HostileToken("alg none, real signature kept", TokenForge.with(header: { $0["alg"] = "none" })),
            HostileToken("alg NONE in capitals", TokenForge.with(header: { $0["alg"] = "NONE" }, signer: .unsigned)),
            HostileToken("HS256 with the public key as HMAC secret", TokenForge.with(header: { $0["alg"] = "HS256" }, signer: .hs256(publicPEM))),
            HostileToken("RS384 signed with the right key", TokenForge.with(header: { $0["alg"] = "RS384" }, signer: .rs384(TestKeys.pair.privateKey))),
            HostileToken("PS256 signed with the right key", TokenForge.with(header: { $0["alg"] = "PS256" }, signer: .ps256(TestKeys.pair.privateKey))),
            HostileToken("ES256 signed with an EC key", TokenForge.with(header: { $0["alg"] = "ES256" }, signer: .es256(P256.Signing.PrivateKey()))),
            HostileToken("alg missing", TokenForge.with(header: { $0["alg"] = nil })),
            // Keys come from our own set, by id.
            HostileToken("unknown kid", TokenForge.with(header: { $0["kid"] = "not-a-key-we-know" })),
            HostileToken("missing kid", TokenForge.with(header: { $0["kid"] = nil })),
            HostileToken("kid is a number", TokenForge.with(header: { $0["kid"] = 1 })),
            HostileToken("signed by another RSA key under our kid", TokenForge.token(signer: .rs256(TestKeys.attacker))),
            HostileToken("embedded jwk of the attacker's key", TokenForge.with(header: { $0["jwk"] = attackerJWK; $0["kid"] = .string(attackerKid) }, signer: .rs256(TestKeys.attacker))),
            HostileToken("jku pointing at the attacker's key set", TokenForge.with(header: { $0["jku"] = "https://evil.example/jwks.json" }, signer: .rs256(TestKeys.attacker))),
            HostileToken("x5u pointing at the attacker's certificate", TokenForge.with(header: { $0["x5u"] = "https://evil.example/cert.pem" }, signer: .rs256(TestKeys.attacker))),
            // A name given twice: RFC 7519 §4 says refuse, since parsers disagree on which value counts.
            HostileToken("aud named twice, the second for another resource",
                TokenForge.signed(headerText: headerText, claimsText: claimsText.dropLast() + #","aud":"https://other.example/mcp"}"#)),
            HostileToken("alg named twice in the header, the second none",
                TokenForge.signed(headerText: headerText.dropLast() + #","alg":"none"}"#, claimsText: claimsText)),
            HostileToken("crit with an unknown extension", TokenForge.with(header: { $0["crit"] = ["exp-ext"]; $0["exp-ext"] = true })),
            // The token type keeps other JWTs from passing as access tokens (RFC 9068 §4).
            HostileToken("typ JWT", TokenForge.with(header: { $0["typ"] = "JWT" })),
            HostileToken("typ missing", TokenForge.with(header: { $0["typ"] = nil })),
            HostileToken("typ of an ID token", TokenForge.with(header: { $0["typ"] = "id_token+jwt" })),
            // The time window (RFC 7519 §4.1.4-6), with 60 s of leeway and no more.
            HostileToken("expired an hour ago", TokenForge.with { $0["exp"] = .int(now - 3600) }),
            HostileToken("expired 90 s ago, beyond the leeway", TokenForge.with { $0["exp"] = .int(now - 90) }),
            HostileToken("no exp", TokenForge.with { $0["exp"] = nil }),
            HostileToken("exp as a string", TokenForge.with { $0["exp"] = .string("\(now + 600)") }),
            HostileToken("exp as null", TokenForge.with { $0["exp"] = .null }),
            HostileToken("nbf an hour ahead", TokenForge.with { $0["nbf"] = .int(now + 3600) }),
            HostileToken("iat an hour ahead", TokenForge.with { $0["iat"] = .int(now + 3600) }),
            HostileToken("nbf as a string", TokenForge.with { $0["nbf"] = "yesterday" }),
            // The issuer, compared exactly.
            HostileToken("wrong iss", TokenForge.with { $0["iss"] = "https://evil.example" }),
            HostileToken("missing iss", TokenForge.with { $0["iss"] = nil }),
            HostileToken("iss with a trailing slash", TokenForge.with { $0["iss"] = .string(TokenForge.issuer + "/") }),
            HostileToken("iss with another scheme", TokenForge.with { $0["iss"] = .string(TokenForge.issuer.replacingOccurrences(of: "http:", with: "https:")) }),
            HostileToken("iss in an array", TokenForge.with { $0["iss"] = [.string(TokenForge.issuer)] }),
            // The audience: this server's canonical URI (RFC 8707).
            HostileToken("aud of another server", TokenForge.with { $0["aud"] = "http://127.0.0.1:9999/mcp" }),
            HostileToken("missing aud", TokenForge.with { $0["aud"] = nil }),
            HostileToken("aud array without us", TokenForge.with { $0["aud"] = ["https://a.example/mcp", "https://b.example/mcp"] }),
            HostileToken("aud without the /mcp path", TokenForge.with { $0["aud"] = "http://127.0.0.1:9000" }),
            HostileToken("aud with a trailing slash", TokenForge.with { $0["aud"] = .string(TokenForge.audience + "/") }),
            HostileToken("missing sub", TokenForge.with { $0["sub"] = nil }),
            // The envelope.
            HostileToken("payload tampered after signing", parts[0] + "." + Base64URL.encode(JSONValue.object(tampered).encoded()) + "." + parts[2]),
            HostileToken("signature removed", parts[0] + "." + parts[1] + "."),
            HostileToken("signature of another token", parts[0] + "." + parts[1] + "." + TokenForge.valid(subject: "bob").split(separator: ".")[2]),
            HostileToken("truncated", String(valid.dropLast(12))),
            HostileToken("two segments", parts[0] + "." + parts[1]),
            HostileToken("five segments, JWE-like", valid + ".AAAA.BBBB"),
            HostileToken("standard base64 characters", valid.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "+/"),
            HostileToken("base64 padding", parts[0] + "==." + parts[1] + "." + parts[2]),
            // 256 signature bytes end in a character with four unused bits; setting one decodes to the same bytes
            // in a lenient decoder, so one signature would have several spellings (RFC 4648 §3.5).
            HostileToken("signature's last character with an unused bit set", parts[0] + "." + parts[1] + "." + respelled),
            HostileToken("header not JSON", Base64URL.encode(Data("not json".utf8)) + "." + parts[1] + "." + parts[2]),
            HostileToken("a validly signed token over 16 KiB", TokenForge.with { $0["padding"] = .string(String(repeating: "x", count: 16_500)) }),
            HostileToken("garbage", "garbage"),
            // The header itself.
            HostileToken("empty bearer value", headers: ["Bearer "]),
            HostileToken("scheme without a value", headers: ["Bearer"]),
            HostileToken("two Authorization headers", headers: ["Bearer \(valid)", "Bearer \(valid)"]),
            HostileToken("token with a space inside", headers: ["Bearer \(parts[0]). \(parts[1]).\(parts[2])"]),
        ]
    }
}

@Suite("Hostile tokens are refused with 401 (Steps 6-7)")
struct HostileTokenTests {
    @Test("refused with 401 invalid_token, and the server keeps serving", arguments: StepUnderTest.authSteps, HostileToken.corpus)
    func hostileTokenIsRefused(step: StepUnderTest, _ hostile: HostileToken) async throws {
        try await step.withoutToken { client async throws in
            let exchange = try await client.ping(authorization: hostile.authorization)
            #expect(exchange.status == .unauthorized)
            #expect(exchange.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
            #expect(exchange.json?["result"] == nil)
            for value in hostile.authorization where value.count > 20 {
                #expect(!exchange.text.contains(value.dropFirst(7)), "the answer must not echo the token")
            }
            let after = try await client.ping(authorization: ["Bearer \(TokenForge.valid())"])
            #expect(after.status == .ok)
        }
    }

    @Test("refused as well when the step finds the keys through the online workshop issuer", arguments: StepUnderTest.metadataSteps)
    func hostileTokensFromOnlineIssuer(step: StepUnderTest) async throws {
        try await OnlineIssuer.run { issuer in
            let (corpus, valid) = TokenForge.$issuer.withValue(issuer.url) { (HostileToken.makeCorpus(), TokenForge.valid()) }
            try await step.withoutToken(issuer: issuer.url) { client async throws in
                #expect(try await client.ping(authorization: ["Bearer \(valid)"]).status == .ok)
                for hostile in corpus {
                    let exchange = try await client.ping(authorization: hostile.authorization)
                    #expect(exchange.status == .unauthorized, "\(hostile.name)")
                    #expect(try await client.ping(authorization: ["Bearer \(valid)"]).status == .ok, "after \(hostile.name)")
                }
                // Tokens the issuer really mints: for this step's resource, and for another one.
                #expect(try await client.ping(authorization: ["Bearer \(try await issuer.clientCredentialsToken(for: WorkshopDefaults.resource))"]).status == .ok)
                let other = try await issuer.clientCredentialsToken(for: OnlineIssuer.otherResource)
                #expect(try await client.ping(authorization: ["Bearer \(other)"]).status == .unauthorized)
            }
        }
    }

    @Test("the corpus has at least 30 cases")
    func corpusIsLargeEnough() {
        #expect(HostileToken.corpus.count >= 30)
    }
}
