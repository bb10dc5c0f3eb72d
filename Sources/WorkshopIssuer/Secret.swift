import Crypto
import Foundation
import WorkshopSupport

/// Random values the issuer hands out (client ids and secrets, codes, refresh tokens) and their comparison.
enum Secret {
    /// `bits` of randomness from the system's CSPRNG, in base64url (RFC 6749 §10.10: unguessable).
    static func random(bits: Int = 256) -> String {
        let key = SymmetricKey(size: SymmetricKeySize(bitCount: bits))
        return key.withUnsafeBytes { Base64URL.encode(Data($0)) }
    }

    /// SHA-256 of the text, kept instead of a client secret so the secret itself is not held in memory.
    static func digest(_ text: String) -> Data {
        Data(SHA256.hash(data: Data(text.utf8)))
    }

    /// Compares in time that depends only on the lengths, so a mismatch's position does not leak (RFC 6749 §10.3).
    static func constantTimeEquals(_ a: some DataProtocol, _ b: some DataProtocol) -> Bool {
        let left = Array(a), right = Array(b)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
