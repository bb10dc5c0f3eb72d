import Foundation

/// A strict RFC 8259 parser straight into `JSONValue`, several times faster than `JSONDecoder`
/// with `JSONValue`'s try-each-type `Decodable` conformance, and giving the same values: integers
/// that fit stay `.int`, the first of duplicate keys wins, lone surrogates and non-finite numbers
/// are refused, and nesting is limited so hostile input cannot exhaust the stack.
struct JSONParser {
    struct Failure: Error {}

    static let maxDepth = 512

    private let bytes: [UInt8]
    private var index = 0
    /// Refuse an object that names a member twice, instead of keeping the first.
    private var uniqueKeys = false

    static func parse(_ data: Data, uniqueKeys: Bool = false) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: [UInt8](data))
        parser.uniqueKeys = uniqueKeys
        // RFC 8259 §8.1: a parser may ignore a byte order mark; JSONDecoder does.
        if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw Failure() }
        return value
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func expect(_ literal: String) throws(Failure) {
        for byte in literal.utf8 {
            guard current == byte else { throw Failure() }
            index += 1
        }
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard depth < Self.maxDepth else { throw Failure() }
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case .some(let byte) where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte): return try number()
        default: throw Failure()
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw Failure() }
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw Failure() }
            index += 1
            let member = try value(depth: depth + 1)
            if members[key] == nil {
                members[key] = member
            } else if uniqueKeys {
                throw Failure()
            }  // else as JSONDecoder: the first wins
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw Failure()
            }
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw Failure()
            }
        }
    }

    private mutating func string() throws(Failure) -> String {
        index += 1
        var buffer: [UInt8] = []
        var start = index
        while true {
            guard let byte = current else { throw Failure() }
            switch byte {
            case UInt8(ascii: "\""):
                let text: String?
                if buffer.isEmpty {
                    text = String(validating: bytes[start..<index], as: UTF8.self)
                } else {
                    buffer.append(contentsOf: bytes[start..<index])
                    text = String(validating: buffer, as: UTF8.self)
                }
                guard let text else { throw Failure() }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                buffer.append(contentsOf: bytes[start..<index])
                index += 1
                buffer.append(contentsOf: String(Character(try escape())).utf8)
                start = index
            case 0x00..<0x20:
                throw Failure()  // control characters must be escaped (RFC 8259 §7)
            default:
                index += 1
            }
        }
    }

    private mutating func escape() throws(Failure) -> Unicode.Scalar {
        guard let byte = current else { throw Failure() }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hex4()
            switch unit {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed by an escaped low one.
                guard current == UInt8(ascii: "\\") else { throw Failure() }
                index += 1
                guard current == UInt8(ascii: "u") else { throw Failure() }
                index += 1
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw Failure() }
                let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                guard let scalar = Unicode.Scalar(value) else { throw Failure() }
                return scalar
            case 0xDC00...0xDFFF:
                throw Failure()
            default:
                guard let scalar = Unicode.Scalar(unit) else { throw Failure() }
                return scalar
            }
        default:
            throw Failure()
        }
    }

    private mutating func hex4() throws(Failure) -> UInt16 {
        guard index + 4 <= bytes.count else { throw Failure() }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw Failure()
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// RFC 8259 §6 grammar; integers that fit in `Int` (also when written 1.0 or 1e2) are `.int`, as
    /// `JSONDecoder` decodes them.
    private mutating func number() throws(Failure) -> JSONValue {
        let start = index
        var integral = true
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            guard let byte = current, (0x31...0x39).contains(byte) else { throw Failure() }
            skipDigits()
        }
        if current == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let byte = current, (0x30...0x39).contains(byte) else { throw Failure() }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let byte = current, (0x30...0x39).contains(byte) else { throw Failure() }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if integral, let value = Int(text) { return .int(value) }
        guard let double = Double(text), double.isFinite else { throw Failure() }
        if double.rounded() == double, abs(double) < 9.2e18, let value = Int(exactly: double) { return .int(value) }
        return .double(double)
    }

    private mutating func skipDigits() {
        while let byte = current, (0x30...0x39).contains(byte) { index += 1 }
    }
}
