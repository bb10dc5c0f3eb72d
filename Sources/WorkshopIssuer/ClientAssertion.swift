import Foundation
import WorkshopSupport

/// A client assertion: how a `private_key_jwt` client proves who it is (RFC 7521 §4.2, RFC 7523 §2.2 and §3,
/// OpenID Connect Core §9). A JWT it signed with a key its metadata document publishes, naming itself as
/// issuer and subject and this issuer as audience, valid for minutes, used once.
struct ClientAssertion {
    static let type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    static let maxLength = 8192
    /// Clocks differ a little; half a minute is forgiven, no more.
    static let leeway = 30

    let parts: AccessTokenReader.Parts
    /// The client it speaks for: `iss` (RFC 7523 §3, item 1: the client_id).
    let clientID: String

    /// The assertion's parts, not yet trusted.
    init(_ text: String) throws(OAuthError) {
        guard text.utf8.count <= Self.maxLength, let parts = AccessTokenReader.parts(of: text), let iss = parts.claims["iss"]?.stringValue else {
            throw OAuthError.clientAuthentication("The client_assertion is not a JWT with an iss claim.")
        }
        (self.parts, self.clientID) = (parts, iss)
    }

    /// What a verified assertion leaves to remember: its `jti` until it expires.
    struct Verified {
        let jti: String
        let expiresAt: Int
    }

    /// RFC 7523 §3: the signature is the client's (item 9), made with an allowed algorithm; then the issuer
    /// and subject are the client, the audience is this issuer, and it has not expired nor lives long.
    func verify(for client: RegisteredClient, keys: ClientKeySet, audiences: [String], now: Int, maxLifetime: Int) throws(OAuthError) -> Verified {
        func refuse(_ reason: String) -> OAuthError { OAuthError.clientAuthentication("The client_assertion \(reason).") }
        // The algorithm comes from the allow-list (and the document's choice), never from the header alone.
        guard let algorithm = parts.header["alg"]?.stringValue, ClientKeySet.algorithms.contains(algorithm),
            algorithm == (client.document?.signingAlgorithm ?? algorithm)
        else { throw refuse("must be signed with \(client.document?.signingAlgorithm ?? ClientKeySet.algorithms.joined(separator: " or "))") }
        let candidates = keys.candidates(algorithm: algorithm, kid: parts.header["kid"]?.stringValue)
        guard !candidates.isEmpty else { throw refuse("names a key (kid and alg) that the client's key set does not hold") }
        let input = Data(parts.signingInput.utf8)
        guard let signature = parts.signature, candidates.contains(where: { $0.verify(signature, input) }) else {
            throw refuse("signature does not verify with the client's keys")
        }
        let claims = parts.claims
        guard clientID == client.id, claims["sub"] == .string(client.id) else { throw refuse("must have iss and sub equal to the client_id") }
        // §3 item 3: the audience identifies this issuer: its identifier or its token endpoint URL.
        let audience = claims["aud"]?.stringValue.map { [$0] } ?? claims["aud"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard audience.contains(where: audiences.contains) else {
            throw refuse("must have aud \(audiences.joined(separator: " or "))")
        }
        guard let expiresAt = claims["exp"]?.intValue else { throw refuse("must have an exp claim") }
        guard expiresAt + Self.leeway > now else { throw refuse("has expired") }
        guard expiresAt <= now + maxLifetime + Self.leeway else { throw refuse("must expire within \(maxLifetime) seconds") }
        for name in ["nbf", "iat"] {
            if let moment = claims[name]?.intValue, moment > now + Self.leeway { throw refuse("has \(name) in the future") }
        }
        // OpenID Connect Core §9: jti is required, so that the issuer can refuse a replayed assertion.
        guard let jti = claims["jti"]?.stringValue, (1...256).contains(jti.utf8.count) else {
            throw refuse("must have a jti of 1 to 256 characters")
        }
        return Verified(jti: jti, expiresAt: expiresAt)
    }
}
