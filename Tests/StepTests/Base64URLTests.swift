import Foundation
import Testing
import WorkshopSupport

/// `Base64URL` works on bytes, for speed; Foundation's base64 with the two characters swapped and
/// the padding dropped is the reference it must agree with.
@Suite("Base64url encoding and decoding")
struct Base64URLTests {
    static func reference(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Every length from 0 to 64 (each remainder of 3), every byte value, and random bytes.
    static let samples: [[UInt8]] = {
        var generator = SystemRandomNumberGenerator()
        var samples = (0...64).map { length in (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) } }
        samples.append(Array(0...255))
        samples.append([0xFB, 0xFF, 0xBF])  // "-__-" territory: the two characters base64url changes
        samples.append([0x00, 0x00, 0x00])
        return samples
    }()

    @Test("encoding agrees with Foundation's base64, made url-safe and unpadded")
    func encodingAgrees() {
        for bytes in Self.samples {
            #expect(Base64URL.encode(bytes) == Self.reference(bytes), "\(bytes)")
        }
    }

    @Test("decoding gives back the bytes, from a String and from a Substring")
    func decodingRoundTrips() {
        for bytes in Self.samples {
            let text = Self.reference(bytes)
            #expect(Base64URL.decode(text).map(Array.init) == bytes, "\(text)")
            #expect(Base64URL.decode(("." + text + ".").dropFirst().dropLast()).map(Array.init) == bytes, "\(text)")
        }
    }

    @Test(
        "anything but unpadded base64url is refused",
        arguments: [
            "QQ==", "QUI=", "Q", "QUJDR", "QU+D", "QU/D", "QU D", " QUJD", "QUJD\n", "QU=D", "QUJD.", "QUJ\u{0}", "QUJé", "ＱＵＪＤ",
        ]
    )
    func nonBase64URLIsRefused(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test("a last character with unused bits set is refused: each byte string has one encoding (RFC 4648 §3.5)")
    func nonCanonicalEndingIsRefused() {
        #expect(Base64URL.decode("QQ") == Data([0x41]))
        #expect(Base64URL.decode("QR") == nil)  // Foundation reads this as "A" too
        #expect(Base64URL.decode("QUI") == Data([0x41, 0x42]))
        #expect(Base64URL.decode("QUJ") == nil)
        #expect(Base64URL.decode("") == Data())
    }
}
