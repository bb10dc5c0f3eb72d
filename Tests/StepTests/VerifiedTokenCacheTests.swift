import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WorkshopSupport

@testable import Step9

/// Step 9 remembers verified tokens to spare the RSA verification; the cache must never let through
/// what the verifier would refuse.
@Suite("Verified-token cache (Step 9)")
struct VerifiedTokenCacheTests {
    static func verified(expiresIn seconds: TimeInterval, subject: String = "alice") -> VerifiedToken {
        VerifiedToken(claims: ["sub": .string(subject)], subject: subject, expiresAt: Date().addingTimeInterval(seconds))
    }

    static func cache(capacity: Int = 1024) -> VerifiedTokenCache {
        VerifiedTokenCache(keys: IssuerKeys(local: nil, logger: Logger(label: "test")), capacity: capacity)
    }

    @Test("a stored token is found by its exact text only")
    func keyedByExactToken() {
        let cache = Self.cache()
        let token = TokenForge.valid()
        cache.store(token, Self.verified(expiresIn: 600), keyGeneration: 0)
        #expect(cache.lookup(token)?.subject == "alice")
        for variant in [token + "x", String(token.dropLast()), token.uppercased(), " " + token, token + "="] {
            #expect(cache.lookup(variant) == nil)
        }
    }

    @Test("an entry is never served at or after the token's exp, though the verifier allows leeway")
    func neverOutlivesExpiry() {
        let cache = Self.cache()
        let entry = Self.verified(expiresIn: 30)
        cache.store("token", entry, keyGeneration: 0)
        #expect(cache.lookup("token", now: entry.expiresAt.addingTimeInterval(-1)) != nil)
        #expect(cache.lookup("token", now: entry.expiresAt) == nil)
        // And it is gone, not merely hidden.
        #expect(cache.lookup("token", now: entry.expiresAt.addingTimeInterval(-1)) == nil)
        cache.store("expired", Self.verified(expiresIn: -1), keyGeneration: 0)
        #expect(cache.count == 0)
    }

    @Test("the cache holds at most its capacity, however many tokens arrive")
    func bounded() {
        let cache = Self.cache(capacity: 8)
        for index in 0..<100 { cache.store("token-\(index)", Self.verified(expiresIn: 600), keyGeneration: 0) }
        #expect(cache.count == 8)
        #expect(cache.lookup("token-99") != nil)
    }

    @Test("a token verified with keys that changed meanwhile is not remembered")
    func staleGenerationIsNotStored() {
        let cache = Self.cache()
        cache.store("token", Self.verified(expiresIn: 600), keyGeneration: 1)
        #expect(cache.lookup("token") == nil)
    }

    @Test("when the issuer's keys change, tokens signed with the withdrawn key are refused at once")
    func emptiedWhenKeysChange() async throws {
        let next = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        try await TestIssuer.run { issuer in
            // The step's own router, with no wait between fetches of the issuer's keys.
            let logger = Logger(label: "test")
            let keys = IssuerKeys(local: nil, refetchInterval: .zero, logger: logger)
            let router = Step9.buildRouter(
                StepUnderTest.options, origins: Step9.OriginOptions(allowOrigin: []), trustedKeys: try TrustedKeys.load(from: TestKeys.files, logger: logger), issuerKeys: keys,
                auth: try AuthOptions(issuer: issuer.url),
                notes: try await NotesStore.open(TestKeys.emptyFolder().directory.appendingPathComponent("notes.sqlite"), logger: logger))
            try await Application(router: router).test(.router) { client async throws in
                let old = issuer.token()
                #expect(try await client.ping(authorization: ["Bearer \(old)"]).status == .ok)
                #expect(try await client.ping(authorization: ["Bearer \(old)"]).status == .ok)  // from the cache
                // The issuer rotates; a token with the new kid makes the step fetch the keys again.
                issuer.state.withLock { $0.keys = [next.publicKey] }
                #expect(try await client.ping(authorization: ["Bearer \(issuer.token(signer: next))"]).status == .ok)
                #expect(try await client.ping(authorization: ["Bearer \(old)"]).status == .unauthorized)
            }
        }
    }
}
