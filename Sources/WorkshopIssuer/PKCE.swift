import Crypto
import Foundation
import WorkshopSupport

/// Proof Key for Code Exchange with the S256 method only (RFC 7636; OAuth 2.1 §4.1.1 requires PKCE).
enum PKCE {
    /// An S256 challenge is BASE64URL(SHA-256(verifier)): exactly 43 base64url characters (RFC 7636 §4.2).
    static func isChallenge(_ text: String) -> Bool {
        text.utf8.count == 43 && Base64URL.decode(text)?.count == 32
    }

    /// code-verifier = 43*128unreserved (RFC 7636 §4.1).
    static func isVerifier(_ text: String) -> Bool {
        (43...128).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                true
            default: false
            }
        }
    }

    /// The S256 transformation of a verifier (RFC 7636 §4.2).
    static func challenge(for verifier: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    /// True when the verifier is well formed and hashes to the challenge (RFC 7636 §4.6).
    static func verify(_ verifier: String, against challenge: String) -> Bool {
        isVerifier(verifier) && Secret.constantTimeEquals(Data(self.challenge(for: verifier).utf8), Data(challenge.utf8))
    }
}
