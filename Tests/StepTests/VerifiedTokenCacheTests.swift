import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
import WorkshopSupport

@testable import Step7

/// From Step 6 on, `BearerAuthMiddleware` remembers verified tokens to spare the RSA verification;
/// the cache must never let through what the verifier would refuse.
@Suite("Verified-token cache")
struct VerifiedTokenCacheTests {
    struct Verified: Sendable, Equatable {
        let subject: String
        let expiresAt: Date
    }

    static func verified(expiresIn seconds: TimeInterval, subject: String = "alice") -> Verified {
        Verified(subject: subject, expiresAt: Date().addingTimeInterval(seconds))
    }

    static func cache(capacity: Int = 1024) -> VerifiedTokenCache<Verified> {
        VerifiedTokenCache(capacity: capacity, expiry: \.expiresAt)
    }

    @Test("a stored token is found by its exact text only")
    func keyedByExactToken() {
        let cache = Self.cache()
        let token = TokenForge.valid()
        cache.store(token, Self.verified(expiresIn: 600))
        #expect(cache.lookup(token)?.subject == "alice")
        for variant in [token + "x", String(token.dropLast()), token.uppercased(), " " + token, token + "="] {
            #expect(cache.lookup(variant) == nil)
        }
    }

    @Test("an entry is never served at or after the token's exp, though the verifier allows leeway")
    func neverOutlivesExpiry() {
        let cache = Self.cache()
        let entry = Self.verified(expiresIn: 30)
        cache.store("token", entry)
        #expect(cache.lookup("token", now: entry.expiresAt.addingTimeInterval(-1)) != nil)
        #expect(cache.lookup("token", now: entry.expiresAt) == nil)
        // And it is gone, not merely hidden.
        #expect(cache.lookup("token", now: entry.expiresAt.addingTimeInterval(-1)) == nil)
        cache.store("expired", Self.verified(expiresIn: -1))
        #expect(cache.count == 0)
    }

    @Test("the cache holds at most its capacity, however many tokens arrive")
    func bounded() {
        let cache = Self.cache(capacity: 8)
        for index in 0..<100 { cache.store("token-\(index)", Self.verified(expiresIn: 600)) }
        #expect(cache.count == 8)
        #expect(cache.lookup("token-99") != nil)
    }

    @Test("a token is verified once, then served from the cache until it expires")
    func verifiesOnce() async throws {
        let cache = Self.cache()
        let calls = Atomic<Int>(0)
        for _ in 0..<3 {
            let verified = await cache.verified("token") {
                calls.add(1, ordering: .relaxed)
                return Self.verified(expiresIn: 600)
            }
            #expect(verified.subject == "alice")
        }
        #expect(calls.load(ordering: .relaxed) == 1)
    }

    @Test("a refused token is never remembered: it is verified, and refused, every time")
    func refusalsAreNotCached() async throws {
        struct Refused: Error {}
        let cache = Self.cache()
        let calls = Atomic<Int>(0)
        for _ in 0..<3 {
            await #expect(throws: Refused.self) {
                try await cache.verified("forged") {
                    calls.add(1, ordering: .relaxed)
                    throw Refused()
                }
            }
        }
        #expect(calls.load(ordering: .relaxed) == 3)
        #expect(cache.count == 0)
    }

    @Test("newer keys forget what older keys vouched for")
    func newerKeysEmptyTheCache() {
        let cache = Self.cache()
        cache.store("token", Self.verified(expiresIn: 600), keyGeneration: 0)
        #expect(cache.lookup("token", keyGeneration: 1) == nil)
        #expect(cache.lookup("token", keyGeneration: 0) == nil)
        #expect(cache.count == 0)
    }

    @Test("a token verified with keys that changed meanwhile is not remembered")
    func staleGenerationIsNotStored() {
        let cache = Self.cache()
        // A request read generation 0, then the keys changed and another request saw generation 1.
        #expect(cache.lookup("other", keyGeneration: 1) == nil)
        cache.store("token", Self.verified(expiresIn: 600), keyGeneration: 0)
        #expect(cache.lookup("token", keyGeneration: 1) == nil)
        #expect(cache.count == 0)
    }

    @Test("when the issuer's keys change, tokens signed with the withdrawn key are refused at once")
    func emptiedWhenKeysChange() async throws {
        let next = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        try await TestIssuer.run { issuer in
            // Step 7's own router (where the cache learns of key changes), with no wait between fetches of the issuer's keys.
            let logger = Logger(label: "test")
            let keys = IssuerKeys(local: nil, refetchInterval: .zero, logger: logger)
            let router = Step7.buildRouter(
                StepUnderTest.options, origins: Step7.OriginOptions(allowOrigin: []),
                trustedKeys: try TrustedKeys.load(from: TestKeys.files, logger: logger), issuerKeys: keys,
                auth: try AuthOptions(issuer: issuer.url))
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
