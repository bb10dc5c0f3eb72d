import Crypto
import CryptoExtras
import Foundation
import WorkshopSupport

/// The public half of an RSA signing key as a JSON Web Key (RFC 7517 §4, RFC 7518 §6.3.1).
struct JSONWebKey: Sendable {
    /// Modulus and exponent, as unsigned big-endian integers in base64url (RFC 7518 §6.3.1.1-2).
    let n: String
    let e: String
    /// The RFC 7638 thumbprint: anyone holding the key can compute the same id.
    let kid: String

    init(_ publicKey: _RSA.Signing.PublicKey) throws {
        let primitives = try publicKey.getKeyPrimitives()
        n = Base64URL.encode(primitives.modulus.drop { $0 == 0 })
        e = Base64URL.encode(primitives.publicExponent.drop { $0 == 0 })
        // RFC 7638 §3 and §3.3: the required members only, in lexicographic order, no white space.
        let canonical = #"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#
        kid = Base64URL.encode(Data(SHA256.hash(data: Data(canonical.utf8))))
    }

    /// Public members only, ever; `alg` and `use` say what the key is for (RFC 7517 §4.2, §4.4).
    var json: JSONValue {
        ["kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(kid), "n": .string(n), "e": .string(e)]
    }
}
