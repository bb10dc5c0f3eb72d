import Hummingbird
import WorkshopSupport

/// HTTP checks every `/mcp` request passes before its body is read (MCP basic/transports).
struct TransportGuard: Sendable {
    /// Origins besides the local ones whose pages may call us: the public URL's, and those the
    /// operator names (`--allow-origin`).
    let allowedOrigins: Set<String>

    init(publicURL: String, allowedOrigins: [String]) {
        self.allowedOrigins = Set(allowedOrigins + [PublicURL.origin(of: publicURL)].compactMap { $0 })
    }

    /// DNS rebinding defence: a present `Origin` must be local or allowed, else 403.
    func checkOrigin(_ headers: HTTPFields) throws(JSONRPCError) {
        guard let origin = headers[.origin] else { return }
        guard let normalised = PublicURL.origin(of: origin), isAllowed(normalised) else {
            throw .invalidRequest("Origin not allowed", status: .forbidden)
        }
    }

    /// Only JSON bodies (415), and only clients that accept a JSON answer (406).
    func checkContentNegotiation(_ headers: HTTPFields) throws(JSONRPCError) {
        guard let contentType = headers[.contentType], Self.mediaType(of: contentType[...], is: "application/json") else {
            throw .invalidRequest("Content-Type must be application/json", status: .unsupportedMediaType)
        }
        if let accept = headers[.accept] {
            let ranges = accept.split(separator: ",")
            guard ranges.contains(where: { range in Self.jsonRanges.contains { Self.mediaType(of: range, is: $0) } }) else {
                throw .invalidRequest("Accept must allow application/json", status: .notAcceptable)
            }
        }
    }

    /// The media ranges in `Accept` that let us answer with JSON.
    private static let jsonRanges = ["application/json", "application/*", "*/*"]

    private func isAllowed(_ origin: String) -> Bool {
        if allowedOrigins.contains(origin) { return true }
        let local = ["localhost", "127.0.0.1", "[::1]"]
        return ["http", "https"].contains { scheme in
            local.contains { host in origin == "\(scheme)://\(host)" || origin.hasPrefix("\(scheme)://\(host):") }
        }
    }

    /// Whether a header value names the media type `type` (lower case), ignoring parameters, the white
    /// space around it and letter case (RFC 9110 §8.3.1): `Application/JSON; charset=utf-8` names
    /// `application/json`. Compared byte by byte: lowercasing and trimming copies cost more than the
    /// rest of the request's checks.
    private static func mediaType(of value: Substring, is type: String) -> Bool {
        let bytes = value.utf8
        var start = bytes.startIndex
        var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
        // Optional white space is spaces and tabs (RFC 9110 §5.6.3).
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while start < end, isSpace(bytes[start]) { bytes.formIndex(after: &start) }
        while start < end, isSpace(bytes[bytes.index(before: end)]) { bytes.formIndex(before: &end) }
        return bytes[start..<end].elementsEqual(type.utf8) { byte, expected in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 == expected : byte == expected
        }
    }
}
