import Crypto
import CryptoExtras
import Foundation
@testable import FuzzSupport
import HTTPTypes
import WorkshopSupport

@testable import Step9

/// Token parsing in Step 9: `Authorization` values through `BearerCredentials`, then every verifier
/// setting of `AccessTokenVerifier`, then what the server reads from a verified token. The clock is
/// fixed, so an input is judged the same way on every run.
final class TokenHarness: Sendable {
    static let shared = TokenHarness()
    static let now = 1_800_000_000

    let verifiers: [AccessTokenVerifier]
    /// The policy as a step starts it by default: guest for a person whose token has no roles.
    let policy = AccessPolicy(defaultRoles: try! RoleOptions.parse([]))
    /// Says what a refused token is told.
    let middleware: BearerAuthMiddleware
    let signing: FuzzTokenSeed.Signing
    let issuer = "http://127.0.0.1:9/issuer"
    let audience = WorkshopDefaults.resource

    init() {
        let logger = EveryMessageLogHandler.logger
        let keyFiles = KeyFiles(directory: Scratch.folder.appendingPathComponent("keys"))
        let pair = try! WorkshopKeyPair.create(in: keyFiles)
        let trusted = try! TrustedKeys.load(from: keyFiles, logger: logger)
        let keys = IssuerKeys(local: (issuer, trusted), logger: logger)
        let (issuer, audience) = (issuer, audience)
        verifiers = [false, true].map { AccessTokenVerifier(keys: keys, issuers: [issuer], audience: audience, acceptJWTType: $0) }
        let metadata = ProtectedResourceMetadata(baseURL: "http://127.0.0.1:9000", resourcePath: "/mcp", authorizationServers: [issuer])
        middleware = BearerAuthMiddleware(verifier: verifiers[0], metadata: metadata)
        let kid = trusted.jwks[0].kid
        var substitutions = FuzzTokenSeed.claimSubstitutions(kid: kid, issuer: issuer, audience: audience, now: Self.now)
        for name in FuzzRequestSeed.callers.keys {
            let claims = FuzzRequestSeed.claims(of: name, issuer: issuer, audience: audience, now: Self.now)
            substitutions[name] = FuzzTokenSeed.token(claims: claims, kid: kid, key: pair.privateKey)
        }
        signing = .init(trusted: pair.privateKey, attacker: try! _RSA.Signing.PrivateKey(keySize: .bits2048), substitutions: substitutions)
    }

    func run(_ input: [UInt8]) {
        let seed = FuzzTokenSeed(input, signing: signing)
        var headers = HTTPFields()
        for value in seed.authorizations { headers.append(HTTPField(name: .authorization, value: value)) }
        let credentials = BearerCredentials(headers)
        let expected = BearerGrammar.credentials(seed.authorizations)
        if !BearerGrammar.same(credentials, expected) {
            fuzzFailure("BearerCredentials says \(credentials), RFC 6750 §2.1 says \(expected)", input: input)
        }
        guard case .token(let token) = credentials else { return }
        for verifier in verifiers {
            do throws(AccessTokenVerifier.Rejection) {
                let caller = try verifier.verify(token, now: Date(timeIntervalSince1970: TimeInterval(Self.now)))
                if seed.forged { fuzzFailure("accepted a token the trusted key did not sign", input: input) }
                check(caller, token: token, input: input)
            } catch {
                blackHole(error.description)
                checkExplanation(error, token: token, input: input)
            }
        }
    }

    /// What a client is told about a refused token: RFC 6750 §3's characters for `error_description`
    /// (printable ASCII but '"' and '\'), and nothing of the token.
    func checkExplanation(_ rejection: AccessTokenVerifier.Rejection, token: String, input: [UInt8]) {
        let explanation = middleware.explanation(rejection.kind)
        let allowed = explanation.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }
        if !allowed || (token.count > 8 && explanation.contains(token)) {
            fuzzFailure("error_description \(explanation.debugDescription) for a refused token", input: input)
        }
    }

    /// What an accepted token must carry, checked again without the verifier, then used as the server uses it.
    func check(_ caller: VerifiedToken, token: String, input: [UInt8]) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        let (header, claims) = (Self.lastWins(parts[0]), Self.lastWins(parts[1]))
        // RFC 7515 §5.2, RFC 7519 §4: duplicate member names must be refused, or read last-wins; the
        // verifier refuses them, so an accepted token with any is a failure.
        if !Self.sameJSON(header, Self.firstWins(parts[0])) || !Self.sameJSON(claims, Self.firstWins(parts[1])) {
            fuzzFailure("accepted a token with duplicate member names", input: input)
        }
        let audiences = (claims?["aud"] as? [Any]) ?? [claims?["aud"] as Any]
        guard header?["alg"] as? String == "RS256", claims?["iss"] as? String == issuer,
            audiences.contains(where: { $0 as? String == audience }), !caller.subject.isEmpty,
            caller.expiresAt.timeIntervalSince1970 > TimeInterval(Self.now - 60)
        else { fuzzFailure("accepted a token that breaks RFC 9068 §4: \(caller.claims)", input: input) }
        // Default deny: no token without a person and an admin role behind it reaches mcp:admin.
        let effective = policy.effectiveScopes(of: caller)
        if effective.contains("mcp:admin"), caller.kind == .machine || !policy.roles(of: caller).contains("admin") {
            fuzzFailure("mcp:admin for a caller that is not a person with the admin role: \(caller.claims)", input: input)
        }
        blackHole(effective.sorted().joined())
        blackHole(UserTools.identity(of: caller, policy: policy).jsonText)
    }

    /// The same JSON value, numbers compared as doubles: a number too large for `Int` is a `Double`
    /// in `JSONValue`, as in `JSONDecoder`, so its last digits may differ after a round trip
    /// (`"exp":$now$soon` is twenty digits); a member that differs is a duplicate read otherwise.
    static func sameJSON(_ a: Any?, _ b: Any?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let a as NSDictionary, let b as NSDictionary):
            return a.count == b.count && a.allKeys.allSatisfy { key in sameJSON(a[key], b[key]) }
        case (let a as NSArray, let b as NSArray):
            return a.count == b.count && (0..<a.count).allSatisfy { sameJSON(a[$0], b[$0]) }
        case (let a as String, let b as String): return a == b
        case (let a?, let b?):
            // Numbers as the text they print as, read back as doubles; booleans and null as themselves.
            if !(a is String), !(b is String), let x = Double("\(a)"), let y = Double("\(b)") { return x == y }
            return (a as? NSObject)?.isEqual(b) ?? false
        default: return false
        }
    }

    /// A JSON object as JSONSerialization reads it: the last of duplicate members wins.
    static func lastWins(_ part: Substring) -> NSDictionary? {
        Base64URL.decode(part).flatMap { try? JSONSerialization.jsonObject(with: $0) } as? NSDictionary
    }

    /// A JSON object as `JSONValue` reads it, the way the verifier does: the first of duplicate members wins.
    static func firstWins(_ part: Substring) -> NSDictionary? {
        Base64URL.decode(part).flatMap { try? JSONValue(parsing: $0) }.flatMap { try? JSONSerialization.jsonObject(with: $0.encoded()) }
            as? NSDictionary
    }
}

/// libFuzzer's callback: one input, judged on its own.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzToken(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    TokenHarness.shared.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
