import Foundation

/// Base64url without padding, as JOSE writes it (RFC 7515 §2, RFC 4648 §5).
///
/// Written on the bytes: a token's three parts are decoded on every request the verified-token
/// cache does not spare, forged tokens included, and Foundation's base64 with `replacingOccurrences`
/// cost more than the RSA verification (tutorial chapter 11).
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ data: some DataProtocol) -> String {
        let bytes = [UInt8](data)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index < bytes.count {
            // Three bytes are four characters of six bits; a last group of one or two bytes is two or three.
            let count = min(3, bytes.count - index)
            var group = UInt32(bytes[index]) << 16
            if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { group |= UInt32(bytes[index + 2]) }
            for position in 0...count {
                output.append(alphabet[Int(group >> UInt32(18 - 6 * position) & 0x3F)])
            }
            index += count
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes strictly: only the base64url alphabet, no padding, no white space, and the unused
    /// low bits of the last character zero (RFC 4648 §3.5), so that each byte string has exactly
    /// one encoding.
    public static func decode(_ text: some StringProtocol) -> Data? {
        if let decoded = text.utf8.withContiguousStorageIfAvailable(decode(bytes:)) { return decoded }
        return Array(text.utf8).withUnsafeBufferPointer(decode(bytes:))
    }

    private static func decode(bytes: UnsafeBufferPointer<UInt8>) -> Data? {
        // Four characters carry three bytes; a lone last character cannot carry a whole one.
        guard bytes.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 3 / 4)
        var pending: UInt32 = 0
        var pendingBits = 0
        for byte in bytes {
            guard let value = sextet(byte) else { return nil }
            pending = pending << 6 | UInt32(value)
            pendingBits += 6
            if pendingBits >= 8 {
                pendingBits -= 8
                output.append(UInt8(truncatingIfNeeded: pending >> UInt32(pendingBits)))
                pending &= (1 << UInt32(pendingBits)) - 1
            }
        }
        guard pending == 0 else { return nil }
        return Data(output)
    }

    /// The six bits a character of the base64url alphabet stands for (RFC 4648 §5, table 2).
    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
