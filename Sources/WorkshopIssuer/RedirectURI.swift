import Foundation

/// Which redirect URIs a client may register and when a requested one matches (RFC 6749 §3.1.2, RFC 8252 §7.3, §8.3).
enum RedirectURI {
    static let maxLength = 2000
    static let loopbackHosts: Set<String> = ["127.0.0.1", "::1", "localhost"]

    /// An absolute https URL, or http on a loopback host; no fragment, no user information, a real port.
    static func isRegistrable(_ text: String) -> Bool {
        guard text.utf8.count <= maxLength, let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty,
            components.fragment == nil, components.user == nil, components.password == nil, hasValidPort(components)
        else { return false }
        return scheme == "https" || (scheme == "http" && isLoopback(host))
    }

    /// Exact string match; for an http loopback URI the port may differ, because native apps listen on
    /// whatever port is free (RFC 8252 §7.3).
    static func matches(registered: String, requested: String) -> Bool {
        if registered == requested { return true }
        guard let a = URLComponents(string: registered), let b = URLComponents(string: requested),
            a.scheme == "http", b.scheme == "http", let host = a.host, isLoopback(host), a.host == b.host,
            b.fragment == nil, b.user == nil, b.password == nil, hasValidPort(b)
        else { return false }
        return a.percentEncodedPath == b.percentEncodedPath && a.percentEncodedQuery == b.percentEncodedQuery
    }

    /// No port, or one a listener can have: 1 to 65535.
    static func hasValidPort(_ components: URLComponents) -> Bool {
        components.port.map { (1...65535).contains($0) } ?? true
    }

    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return loopbackHosts.contains(bare.lowercased())
    }

    /// The redirect URI with the response parameters added to its query (RFC 6749 §4.1.2: keep its own query).
    static func adding(_ parameters: [(String, String)], to uri: String) -> String {
        let separator = uri.contains("?") ? (uri.hasSuffix("?") || uri.hasSuffix("&") ? "" : "&") : "?"
        return uri + separator + FormParameters.encode(parameters)
    }
}
