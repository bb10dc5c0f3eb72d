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
        guard let contentType = headers[.contentType], HTTPSyntax.mediaType(of: contentType, is: "application/json") else {
            throw .invalidRequest("Content-Type must be application/json", status: .unsupportedMediaType)
        }
        if let accept = headers[.accept], !HTTPSyntax.accept(accept, allows: "application/json") {
            throw .invalidRequest("Accept must allow application/json", status: .notAcceptable)
        }
    }

    private func isAllowed(_ origin: String) -> Bool {
        if allowedOrigins.contains(origin) { return true }
        let local = ["localhost", "127.0.0.1", "[::1]"]
        return ["http", "https"].contains { scheme in
            local.contains { host in origin == "\(scheme)://\(host)" || origin.hasPrefix("\(scheme)://\(host):") }
        }
    }
}
