/// Pieces of HTTP's header grammar (RFC 9110) that every request to `/mcp` goes through, read from
/// the header's bytes in place, without lowercased or trimmed copies. The steps call them where they
/// check a header; `HTTPSyntaxTests` holds each one to the obvious Foundation version.
public enum HTTPSyntax {
    /// `value` without the spaces and tabs around it: optional white space (OWS, RFC 9110 §5.6.3).
    public static func trimmingWhitespace(_ value: Substring) -> Substring {
        let bytes = trimmed(value.utf8)
        return value[bytes.startIndex..<bytes.endIndex]
    }

    /// Whether `value` is `lowercase` but for the case of ASCII letters, as HTTP compares scheme names
    /// and media types (RFC 9110 §11.1, §8.3.1).
    public static func equalsIgnoringCase(_ value: Substring, _ lowercase: String) -> Bool {
        same(value.utf8, lowercase.utf8)
    }

    /// Whether `value` is a token68 (RFC 9110 §11.2), the form of RFC 6750's b64token:
    /// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    public static func isToken68(_ value: Substring) -> Bool {
        // One pass, over contiguous bytes when the string has them (a native String does).
        value.utf8.withContiguousStorageIfAvailable(isToken68(bytes:)) ?? isToken68(bytes: value.utf8)
    }

    /// Whether a `Content-Type` value names `type` (given in lower case), whatever its parameters, the
    /// white space around it and its letter case (RFC 9110 §8.3.1): `Application/JSON; charset=utf-8`
    /// names `application/json`.
    public static func mediaType(of value: String, is type: String) -> Bool {
        same(mediaType(value[...].utf8), type.utf8)
    }

    /// Whether an `Accept` value lets the server answer with `type` (given in lower case): one of its
    /// media ranges is `type`, its `major/*`, or `*/*` (RFC 9110 §12.5.1). Quality values are not weighed.
    public static func accept(_ accept: String, allows type: String) -> Bool {
        let major = type.utf8.prefix { $0 != UInt8(ascii: "/") }
        var rest = accept[...].utf8
        while true {
            let end = rest.firstIndex(of: UInt8(ascii: ",")) ?? rest.endIndex
            let range = mediaType(rest[..<end])
            if same(range, type.utf8) || range.elementsEqual("*/*".utf8) { return true }
            // major/*: the type's part before its "/", then "/*".
            if range.count == major.count + 2, range.suffix(2).elementsEqual("/*".utf8), same(range.prefix(major.count), major) {
                return true
            }
            guard end < rest.endIndex else { return false }
            rest = rest[rest.index(after: end)...]
        }
    }

    /// The media type of a `Content-Type` value or media range: before its parameters, trimmed.
    private static func mediaType(_ value: Substring.UTF8View) -> Substring.UTF8View {
        trimmed(value[..<(value.firstIndex(of: UInt8(ascii: ";")) ?? value.endIndex)])
    }

    private static func trimmed(_ value: Substring.UTF8View) -> Substring.UTF8View {
        let isWhitespace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = value.firstIndex(where: { !isWhitespace($0) }), let last = value.lastIndex(where: { !isWhitespace($0) })
        else { return value[value.endIndex...] }
        return value[first...last]
    }

    /// Equal but for the case of ASCII letters in `value`; `lowercase` is in lower case already.
    private static func same(_ value: Substring.UTF8View, _ lowercase: some Sequence<UInt8>) -> Bool {
        value.elementsEqual(lowercase) { byte, expected in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 == expected : byte == expected
        }
    }

    private static func isToken68(bytes: some Collection<UInt8>) -> Bool {
        // "=" is only padding: it may end the value, after at least one other character, never sit inside it.
        var characters = 0
        var padding = false
        for byte in bytes {
            if byte == UInt8(ascii: "=") {
                guard characters > 0 else { return false }
                padding = true
            } else if padding || !isToken68Character(byte) {
                return false
            } else {
                characters += 1
            }
        }
        return characters > 0
    }

    private static func isToken68Character(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            true
        default:
            false
        }
    }
}
