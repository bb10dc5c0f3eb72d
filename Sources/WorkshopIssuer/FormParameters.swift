/// The parameters of a query string or an `application/x-www-form-urlencoded` body, read strictly:
/// OAuth parameters must not repeat and an empty one counts as absent (RFC 6749 §3.1).
struct FormParameters: Sendable {
    /// Every value of every name, in the order sent.
    private(set) var values: [String: [String]] = [:]

    /// Nil when the text is not form encoding: a bad percent escape, or bytes that are not UTF-8.
    init?(_ bytes: some Collection<UInt8>) {
        for pair in bytes.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = parts.count > 1 ? Self.decode(parts[1]) : "" else { return nil }
            values[name, default: []].append(value)
        }
    }

    init?(_ text: String) {
        self.init(Array(text.utf8))
    }

    /// The value of `name`, nil when absent or empty; a parameter sent twice is an invalid request.
    func value(_ name: String) throws(OAuthError) -> String? {
        let sent = values[name, default: []].filter { !$0.isEmpty }
        guard sent.count <= 1 else { throw OAuthError(OAuthError.invalidRequest, "The \(name) parameter was sent more than once.") }
        return sent.first
    }

    /// The names that were sent more than once with a value.
    var repeatedNames: [String] {
        values.filter { $0.value.filter { !$0.isEmpty }.count > 1 }.keys.sorted()
    }

    /// `+` is a space and `%XX` a byte (WHATWG URL, application/x-www-form-urlencoded parsing).
    static func decode(_ bytes: some Collection<UInt8>) -> String? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let high = bytes.index(after: index)
                guard high != bytes.endIndex, bytes.index(after: high) != bytes.endIndex,
                    let h = hexValue(bytes[high]), let l = hexValue(bytes[bytes.index(after: high)])
                else { return nil }
                output.append(h << 4 | l)
                index = bytes.index(high, offsetBy: 2)
                continue
            }
            output.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = bytes.index(after: index)
        }
        // Invalid UTF-8 decodes with replacement characters, so a round trip that changes the bytes means it was not UTF-8.
        let text = String(decoding: output, as: UTF8.self)
        return Array(text.utf8) == output ? text : nil
    }

    /// `name=value&…` with everything but unreserved characters percent-encoded (RFC 3986 §2.3).
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
