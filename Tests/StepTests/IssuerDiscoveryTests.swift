import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WorkshopSupport

@testable import Step7
@testable import Step8
@testable import Step9

/// From Step 7 on, a step finds each issuer's keys through its metadata, over real HTTP, and trusts
/// a key only for the issuer that publishes it.
@Suite("Issuer discovery")
struct IssuerDiscoveryTests {
    @Test("metadata URLs follow the MCP order: path-inserted RFC 8414, path-inserted OIDC, then path-appended OIDC")
    func metadataURLOrder() {
        for urls in [Step7.IssuerDiscovery.metadataURLs, Step8.IssuerDiscovery.metadataURLs, Step9.IssuerDiscovery.metadataURLs] {
            #expect(urls("https://auth.example.com/tenant1") == [
                "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
                "https://auth.example.com/.well-known/openid-configuration/tenant1",
                "https://auth.example.com/tenant1/.well-known/openid-configuration",
            ])
            #expect(urls("http://127.0.0.1:9001") == [
                "http://127.0.0.1:9001/.well-known/oauth-authorization-server",
                "http://127.0.0.1:9001/.well-known/openid-configuration",
            ])
        }
    }

    @Test(
        "a token from a trusted issuer verifies with the keys its metadata's jwks_uri publishes",
        arguments: StepUnderTest.metadataSteps,
        [("", TestIssuer.WellKnown.oauthInserted), ("", .openIDInserted), ("/realms/workshop", .oauthInserted),
         ("/realms/workshop", .openIDInserted), ("/realms/workshop", .openIDAppended)]
    )
    func discoveredKeysVerify(step: StepUnderTest, place: (path: String, wellKnown: TestIssuer.WellKnown)) async throws {
        try await TestIssuer.run(path: place.path, wellKnown: place.wellKnown) { issuer in
            try await step.withoutToken(issuer: issuer.url) { client async throws in
                #expect(try await client.ping(authorization: ["Bearer \(issuer.token())"]).status == .ok)
                // The workshop's own token desk is not this issuer.
                #expect(try await client.ping(authorization: ["Bearer \(TokenForge.valid())"]).status == .unauthorized)
            }
        }
    }

    @Test("the workshop key in keys/ never vouches for another issuer, even one the step trusts", arguments: StepUnderTest.metadataSteps)
    func localKeyIsPinnedToWorkshopIssuer(step: StepUnderTest) async throws {
        try await TestIssuer.run { issuer in
            try await step.withoutToken(issuers: [WorkshopDefaults.issuer, issuer.url]) { client async throws in
                #expect(try await client.ping(authorization: ["Bearer \(TokenForge.valid())"]).status == .ok)
                #expect(try await client.ping(authorization: ["Bearer \(issuer.token())"]).status == .ok)
                let forged = issuer.token(signer: TestKeys.pair.privateKey)
                #expect(try await client.ping(authorization: ["Bearer \(forged)"]).status == .unauthorized)
                // Nor does the other issuer's key vouch for the workshop issuer.
                let crossed = issuer.token { $0["iss"] = .string(WorkshopDefaults.issuer) }
                #expect(try await client.ping(authorization: ["Bearer \(crossed)"]).status == .unauthorized)
            }
        }
    }

    @Test("metadata that names a different issuer is refused, so its keys are never trusted", arguments: StepUnderTest.metadataSteps)
    func metadataIssuerMustMatch(step: StepUnderTest) async throws {
        try await TestIssuer.run { issuer in
            issuer.state.withLock { $0.claimedIssuer = "https://login.example.com" }
            try await step.withoutToken(issuer: issuer.url) { client async throws in
                #expect(try await client.ping(authorization: ["Bearer \(issuer.token())"]).status == .unauthorized)
            }
            #expect(issuer.jwksRequests == 0)
        }
    }

    @Test("tokens naming unknown key ids send the step to the issuer at most once per interval", arguments: StepUnderTest.metadataSteps)
    func unknownKidFetchIsRateLimited(step: StepUnderTest) async throws {
        try await TestIssuer.run { issuer in
            try await step.withoutToken(issuer: issuer.url) { client async throws in
                #expect(try await client.ping(authorization: ["Bearer \(issuer.token())"]).status == .ok)
                for _ in 0..<20 {
                    let token = issuer.token { $0["jti"] = .string(UUID().uuidString) }
                    let unknownKid = token.replacingOccurrences(of: Base64URL.encode(
                        JSONValue.object(["alg": "RS256", "typ": "at+jwt", "kid": .string(TestIssuer.kid)]).encoded()),
                        with: Base64URL.encode(JSONValue.object(["alg": "RS256", "typ": "at+jwt", "kid": .string(UUID().uuidString)]).encoded()))
                    #expect(try await client.ping(authorization: ["Bearer \(unknownKid)"]).status == .unauthorized)
                }
            }
            #expect(issuer.jwksRequests == 1)
        }
    }

    @Test("an issuer that cannot be reached costs a 401, never a 500", arguments: StepUnderTest.metadataSteps)
    func unreachableIssuer(step: StepUnderTest) async throws {
        let gone = try await TestIssuer.run { issuer in issuer.url }
        let token = TokenForge.with { $0["iss"] = .string(gone) }
        try await step.withoutToken(issuer: gone) { client async throws in
            #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .unauthorized)
        }
    }

    @Test("a key the issuer rotates in is fetched again; one it stops publishing is dropped")
    func rotatedKeyIsFetched() async throws {
        let next = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        for makeKeys in allIssuerKeys {
            try await TestIssuer.run { issuer in
                let keys = makeKeys(.zero)
                #expect(await keys.refresh(issuer.url))
                #expect(keys.holds(TestIssuer.kid, of: issuer.url))
                issuer.state.withLock { $0.keys = [next.publicKey] }
                #expect(await keys.refresh(issuer.url))
                #expect(keys.holds(TestKeys.thumbprint(next.publicKey), of: issuer.url))
                // A key the issuer stopped publishing is no longer trusted.
                #expect(!keys.holds(TestIssuer.kid, of: issuer.url))
                #expect(issuer.jwksRequests == 2)
            }
        }
    }

    @Test("within the interval the issuer is not asked again")
    func refetchWaitsForTheInterval() async throws {
        for makeKeys in allIssuerKeys {
            try await TestIssuer.run { issuer in
                let keys = makeKeys(.seconds(60))
                #expect(await keys.refresh(issuer.url))
                #expect(await keys.refresh(issuer.url) == false)
                #expect(issuer.jwksRequests == 1)
            }
        }
    }

    @Test("concurrent lookups of an unknown key share one fetch")
    func concurrentRefreshesShareOneFetch() async throws {
        for makeKeys in allIssuerKeys {
            try await TestIssuer.run { issuer in
                let keys = makeKeys(.seconds(60))
                let results = await withTaskGroup(of: Bool.self) { group in
                    for _ in 0..<10 { group.addTask { await keys.refresh(issuer.url) } }
                    return await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(results.contains(true))
                #expect(issuer.jwksRequests == 1)
            }
        }
    }
}

/// The same key store, as each step carries it.
protocol IssuerKeysUnderTest: Sendable {
    func refresh(_ issuer: String) async -> Bool
    func holds(_ kid: String, of issuer: String) -> Bool
}

let allIssuerKeys: [@Sendable (Duration) -> any IssuerKeysUnderTest] = {
        let logger = Logger(label: "test")
        return [
            { Step7.IssuerKeys(local: nil, refetchInterval: $0, logger: logger) },
            { Step8.IssuerKeys(local: nil, refetchInterval: $0, logger: logger) },
            { Step9.IssuerKeys(local: nil, refetchInterval: $0, logger: logger) },
        ]
}()

extension Step7.IssuerKeys: IssuerKeysUnderTest {
    func holds(_ kid: String, of issuer: String) -> Bool { key(kid, of: issuer) != nil }
}

extension Step8.IssuerKeys: IssuerKeysUnderTest {
    func holds(_ kid: String, of issuer: String) -> Bool { key(kid, of: issuer) != nil }
}

extension Step9.IssuerKeys: IssuerKeysUnderTest {
    func holds(_ kid: String, of issuer: String) -> Bool { key(kid, of: issuer) != nil }
}
