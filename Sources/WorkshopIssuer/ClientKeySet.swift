import Crypto
import CryptoExtras
import Foundation
import WorkshopSupport

/// The public keys a client signs its assertions with: its document's `jwks`, or the JWK Set at its
/// `jwks_uri` (RFC 7517 §5, RFC 7591 §2). RSA keys of 2048 bits or more for RS256 and P-256 keys for
/// ES256; a set holding private key material is refused outright (draft-ietf-oauth-client-id-metadata-document §4.1).
struct ClientKeySet: Sendable {
    static let algorithms = ["RS256", "ES256"]
    static let maxKeys = 20

    /// One verifying key.
    struct Key: Sendable {
        let kid: String?
        let algorithm: String
        let verify: @Sendable (_ signature: Data, _ signingInput: Data) -> Bool
    }

    let keys: [Key]

    /// The keys of a JWK Set; `source` says where it came from, for the error.
    init(_ jwks: JSONValue, source: String) throws(OAuthError) {
        func refuse(_ reason: String) -> OAuthError { OAuthError(OAuthError.invalidClientMetadata, "The client's \(source) \(reason).") }
        guard let entries = jwks["keys"]?.arrayValue else { throw refuse("is not a JWK Set ({\"keys\": [...]})") }
        guard entries.count <= Self.maxKeys else { throw refuse("holds more than \(Self.maxKeys) keys") }
        var keys: [Key] = []
        for entry in entries {
            guard let jwk = entry.objectValue else { throw refuse("holds a key that is not a JSON object") }
            // RFC 7518 §6.2.2, §6.3.2, §6.4: these members are private or symmetric key material.
            if ["d", "p", "q", "dp", "dq", "qi", "oth", "k"].contains(where: { jwk[$0] != nil }) {
                throw refuse("publishes private or symmetric key material; a public document may hold public keys only")
            }
            if let key = Self.key(jwk) { keys.append(key) }
        }
        guard !keys.isEmpty else { throw refuse("has no RSA (2048 bits or more) or P-256 signing key for RS256 or ES256") }
        self.keys = keys
    }

    /// The keys that may have made a signature with this header's `alg` and `kid`.
    func candidates(algorithm: String, kid: String?) -> [Key] {
        keys.filter { $0.algorithm == algorithm && (kid == nil || $0.kid == kid) }
    }

    private static func key(_ jwk: [String: JSONValue]) -> Key? {
        guard jwk["use"] == nil || jwk["use"] == "sig" else { return nil }
        let kid = jwk["kid"]?.stringValue
        func bytes(_ name: String) -> Data? { jwk[name]?.stringValue.flatMap { Base64URL.decode($0) } }
        switch (jwk["kty"]?.stringValue, jwk["alg"]?.stringValue) {
        case ("RSA", nil), ("RSA", "RS256"):
            // CryptoExtras refuses RSA keys under 2048 bits.
            guard let n = bytes("n"), let e = bytes("e"), let key = try? _RSA.Signing.PublicKey(n: n, e: e) else { return nil }
            return Key(kid: kid, algorithm: "RS256") { signature, input in
                key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5)
            }
        case ("EC", nil), ("EC", "ES256"):
            guard jwk["crv"] == "P-256", let x = bytes("x"), let y = bytes("y"), x.count == 32, y.count == 32,
                let key = try? P256.Signing.PublicKey(x963Representation: [UInt8(0x04)] + x + y)
            else { return nil }
            return Key(kid: kid, algorithm: "ES256") { signature, input in
                // RFC 7518 §3.4: the signature is R and S, 32 bytes each.
                guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
                return key.isValidSignature(ecdsa, for: input)
            }
        default:
            return nil
        }
    }
}
