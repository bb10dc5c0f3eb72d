import Crypto
import CryptoExtras
import Foundation
import WorkshopSupport

/// Verifies an RS256 JWT access token, one check at a time: the header, then the issuer whose keys
/// to try, then the signature, then the claims, so that nothing unverified is trusted (RFC 8725 §3,
/// RFC 9068 §4).
struct AccessTokenVerifier: Sendable {
    let keys: IssuerKeys
    /// The `iss` values to accept, compared exactly (RFC 9068 §4 step 3).
    let issuers: [String]
    /// This server's canonical resource URI; `aud` must contain it (RFC 8707, RFC 9068 §4 step 4).
    let audience: String
    /// `at+jwt` keeps other JWTs (ID tokens, say) from passing as access tokens (RFC 9068 §4 step 1, RFC 8725 §3.11).
    let acceptedTypes: Set<String>
    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    let leeway: TimeInterval = 60

    init(keys: IssuerKeys, issuers: [String], audience: String, acceptJWTType: Bool = false) {
        self.keys = keys
        self.issuers = issuers
        self.audience = audience
        acceptedTypes = acceptJWTType ? ["at+jwt", "application/at+jwt", "jwt"] : ["at+jwt", "application/at+jwt"]
    }

    /// Why a token was refused: its kind, which the client is told (RFC 6750 §3), and the details,
    /// which only the log gets.
    struct Rejection: Error, CustomStringConvertible {
        enum Kind {
            case malformed, notAnRS256AccessToken, unknownKey, badSignature, untrustedIssuer, wrongAudience, expired,
                notYetValid, missingClaim
        }
        let kind: Kind
        let description: String
        /// Set when the only problem may be keys we have not fetched yet.
        var unknownKeyOf: String? = nil

        init(_ kind: Kind, _ description: String, unknownKeyOf: String? = nil) {
            self.kind = kind
            self.description = description
            self.unknownKeyOf = unknownKeyOf
        }
    }

    /// `verify`, and once more after fetching the issuer's keys when the token names a key we do not hold.
    func verifyFetchingKeys(_ token: String) async throws(Rejection) -> VerifiedToken {
        do throws(Rejection) {
            return try verify(token)
        } catch {
            guard let issuer = error.unknownKeyOf, await keys.refresh(issuer) else { throw error }
            return try verify(token)
        }
    }

    func verify(_ token: String, now: Date = Date()) throws(Rejection) -> VerifiedToken {
        // JWS compact serialization: exactly three base64url parts (RFC 7515 §7.1).
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw Rejection(.malformed, "\(parts.count) parts instead of 3") }
        guard let header = Self.jsonObject(parts[0]) else { throw Rejection(.malformed, "header is not base64url JSON") }

        // Only the algorithm we use; never what the token asks for (RFC 8725 §2.1, §3.1).
        guard header["alg"] == "RS256" else {
            throw Rejection(.notAnRS256AccessToken, "alg \(header["alg"]?.jsonText ?? "missing") not allowed")
        }
        guard let type = header["typ"]?.stringValue, acceptedTypes.contains(type.lowercased()) else {
            throw Rejection(.notAnRS256AccessToken, "typ \(header["typ"]?.jsonText ?? "missing") is not at+jwt")
        }
        // An extension we do not understand must not be ignored (RFC 7515 §4.1.11).
        guard header["crit"] == nil else { throw Rejection(.notAnRS256AccessToken, "crit header present") }
        // The key comes from the issuer's own set, by id; jwk, jku and x5u in the header are never followed.
        guard let kid = header["kid"]?.stringValue else { throw Rejection(.unknownKey, "kid missing") }
        // The unverified iss only picks whose keys to try; a key of that issuer must then verify the signature.
        guard let claims = Self.jsonObject(parts[1]) else { throw Rejection(.malformed, "claims are not base64url JSON") }
        guard let issuer = claims["iss"]?.stringValue, issuers.contains(issuer) else {
            throw Rejection(.untrustedIssuer, "iss \(claims["iss"]?.jsonText ?? "missing") is not a trusted issuer")
        }
        guard let key = keys.key(kid, of: issuer) else {
            throw Rejection(.unknownKey, "kid \(header["kid"]?.jsonText ?? "missing") is not a key of \(issuer)", unknownKeyOf: issuer)
        }

        guard let signature = Base64URL.decode(parts[2]), !signature.isEmpty else {
            throw Rejection(.malformed, "signature is not base64url")
        }
        let digest = SHA256.hash(data: Data("\(parts[0]).\(parts[1])".utf8))
        guard key.isValidSignature(.init(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5) else {
            throw Rejection(.badSignature, "signature does not verify")
        }

        return try checkClaims(claims, now: now.timeIntervalSince1970)
    }

    /// RFC 7519 §4.1 and RFC 9068 §4: audience and the time window (the issuer chose the key, above).
    func checkClaims(_ claims: [String: JSONValue], now: TimeInterval) throws(Rejection) -> VerifiedToken {
        let audiences = claims["aud"]?.arrayValue ?? claims["aud"].map { [$0] } ?? []
        guard audiences.contains(.string(audience)) else {
            throw Rejection(.wrongAudience, "aud \(claims["aud"]?.jsonText ?? "missing") does not contain \(audience)")
        }
        guard let expiry = try Self.numericDate(claims, "exp") else { throw Rejection(.missingClaim, "exp missing") }
        guard now < expiry + leeway else { throw Rejection(.expired, "expired at \(Self.seconds(expiry))") }
        if let notBefore = try Self.numericDate(claims, "nbf"), notBefore > now + leeway {
            throw Rejection(.notYetValid, "not valid before \(Self.seconds(notBefore))")
        }
        if let issuedAt = try Self.numericDate(claims, "iat"), issuedAt > now + leeway {
            throw Rejection(.notYetValid, "issued in the future at \(Self.seconds(issuedAt))")
        }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty else { throw Rejection(.missingClaim, "sub missing") }
        return VerifiedToken(claims: claims, subject: subject, expiresAt: Date(timeIntervalSince1970: expiry))
    }

    /// A NumericDate is a JSON number of seconds (RFC 7519 §2); anything else is refused.
    static func numericDate(_ claims: [String: JSONValue], _ name: String) throws(Rejection) -> TimeInterval? {
        switch claims[name] {
        case nil: return nil
        case .int(let seconds)?: return TimeInterval(seconds)
        case .double(let seconds)? where seconds.isFinite: return seconds
        default: throw Rejection(.malformed, "\(name) is not a number")
        }
    }

    /// Whole seconds for the log; a value too large for `Int` (a hostile token's) as it came.
    static func seconds(_ time: TimeInterval) -> String {
        Int(exactly: time.rounded(.down)).map(String.init) ?? "\(time)"
    }

    static func jsonObject(_ part: Substring) -> [String: JSONValue]? {
        // A name given twice is refused: which value counts would depend on the parser (RFC 7519 §4).
        Base64URL.decode(part).flatMap { try? JSONValue(parsingUniqueKeys: $0) }?.objectValue
    }
}
