import Hummingbird
import WorkshopSupport

/// HTTP checks every `/mcp` request passes before its body is read (MCP basic/transports).
struct TransportGuard: Sendable {
    /// The origin of the public URL: a page served from there may call us.
    let publicOrigin: String?

    init(publicURL: String) {
        publicOrigin = PublicURL.origin(of: publicURL)
    }

    /// DNS rebinding defence: a present `Origin` must be local or our own, else 403.
    func checkOrigin(_ headers: HTTPFields) throws(JSONRPCError) {
        guard let origin = headers[.origin] else { return }
        guard let normalised = PublicURL.origin(of: origin), isAllowed(normalised) else {
            throw .invalidRequest("Origin not allowed", status: .forbidden)
        }
    }

    /// Only JSON bodies (415), and only clients that accept a JSON answer (406).
    func checkContentNegotiation(_ headers: HTTPFields) throws(JSONRPCError) {
        let contentType = headers[.contentType].map(Self.mediaType) ?? ""
        guard contentType == "application/json" else {
            throw .invalidRequest("Content-Type must be application/json", status: .unsupportedMediaType)
        }
        if let accept = headers[.accept] {
            let ranges = accept.split(separator: ",").lazy.map(Self.mediaType)
            guard ranges.contains(where: { $0 == "application/json" || $0 == "application/*" || $0 == "*/*" }) else {
                throw .invalidRequest("Accept must allow application/json", status: .notAcceptable)
            }
        }
    }

    private func isAllowed(_ origin: String) -> Bool {
        if origin == publicOrigin { return true }
        let local = ["localhost", "127.0.0.1", "[::1]"]
        return ["http", "https"].contains { scheme in
            local.contains { host in origin == "\(scheme)://\(host)" || origin.hasPrefix("\(scheme)://\(host):") }
        }
    }

    /// `application/json; charset=utf-8` → `application/json`.
    private static func mediaType(_ value: some StringProtocol) -> String {
        var type = value.split(separator: ";", maxSplits: 1).first.map(Substring.init) ?? ""
        // Optional white space is spaces and tabs (RFC 9110 §5.6.3); Foundation's trimming is slow.
        while type.first == " " || type.first == "\t" { type = type.dropFirst() }
        while type.last == " " || type.last == "\t" { type = type.dropLast() }
        return type.lowercased()
    }
}
