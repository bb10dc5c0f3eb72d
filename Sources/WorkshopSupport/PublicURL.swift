import Foundation

/// Normalises a base URL the way clients compare them: lowercase scheme and host, no trailing slash.
public enum PublicURL {
    /// Returns the normalised URL, or nil when it is not an absolute http(s) URL without query or fragment.
    public static func normalise(_ text: String) -> String? {
        guard var components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil,
            components.user == nil, components.password == nil
        else { return nil }
        components.scheme = scheme
        components.host = host.lowercased()
        while components.path.hasSuffix("/") { components.path.removeLast() }
        return components.string
    }

    /// The origin (scheme, host and port) of a URL, as a browser writes it in the `Origin` header.
    public static func origin(of text: String) -> String? {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), let host = components.host?.lowercased()
        else { return nil }
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = components.port, port != defaultPort { return "\(scheme)://\(hostPart):\(port)" }
        return "\(scheme)://\(hostPart)"
    }
}
