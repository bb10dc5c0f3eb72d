import Foundation

/// A URL the issuer may fetch for a client: a Client Identifier URL (draft-ietf-oauth-client-id-metadata-document
/// §3), or a `jwks_uri` inside its document. Checked before any address is looked up, so that nothing the
/// draft forbids ever reaches the network.
struct ClientIDURL: Sendable, Hashable {
    static let maxLength = 1024

    /// The URL exactly as the client wrote it: client ids compare as plain strings (§3, RFC 3986 §6.2.1).
    let text: String
    /// The host, lowercase and without IPv6 brackets: what is resolved, trusted and shown to the person.
    let host: String
    /// The host as written in the URL (without brackets): what the HTTP client looks up, so what is pinned.
    let requestHost: String
    let port: Int
    /// What the GET asks for: the path, and the query when there is one.
    let target: String

    /// The `Host` header of a request for it (RFC 9110 §7.2): the host, in brackets when IPv6, and any port written.
    var hostHeader: String {
        let name = requestHost.contains(":") ? "[\(requestHost)]" : requestHost
        return port == 443 ? name : "\(name):\(port)"
    }

    /// True when `clientID` is meant as a URL: this issuer's own client ids never contain a colon
    /// (§7.1), so a plain `http://` one is refused rather than taken for an unknown client.
    static func isCandidate(_ clientID: String) -> Bool {
        let lowercased = clientID.prefix(8).lowercased()
        return lowercased.hasPrefix("https://") || lowercased.hasPrefix("http://")
    }

    /// The URL, or why the issuer will not fetch it. A client id may have no query (§3 says SHOULD NOT;
    /// the issuer holds clients to it); a `jwks_uri` may.
    init(_ text: String, naming name: String = "client_id", allowQuery: Bool = false) throws(OAuthError) {
        func refuse(_ reason: String) -> OAuthError { OAuthError(OAuthError.invalidClient, "The \(name) URL \(reason).") }
        guard text.utf8.count <= Self.maxLength else { throw refuse("is longer than \(Self.maxLength) characters") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw refuse("is not a URL")
        }
        // §3: https only. A document fetched over plain http could be rewritten by anyone on the path.
        guard scheme == "https" else { throw refuse("must use https, not \(scheme)") }
        guard components.user == nil, components.password == nil, !text.contains("@") else {
            throw refuse("must not contain user information (user:password@)")
        }
        guard components.fragment == nil, !text.contains("#") else { throw refuse("must not contain a fragment") }
        guard allowQuery || (components.query == nil && !text.contains("?")) else { throw refuse("must not contain a query") }
        guard let rawHost = components.host, !rawHost.isEmpty else { throw refuse("has no host") }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        guard host.unicodeScalars.allSatisfy(Self.isHostCharacter) else {
            throw refuse("has a host that is neither an ASCII domain name nor an IP address")
        }
        let port = components.port ?? 443
        guard (1...65535).contains(port) else { throw refuse("has an impossible port") }
        // §3: a path, and not the root of the site, which belongs to the site rather than to one client.
        let path = components.percentEncodedPath
        guard path.count > 1 else { throw refuse("must have a path, such as /client.json") }
        // §3: no "." or ".." segments, percent-encoded or not: the document's URL must be the URL fetched.
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { $0.removingPercentEncoding ?? String($0) }
        guard !segments.contains(".") && !segments.contains("..") else { throw refuse("must not contain . or .. path segments") }
        (self.text, self.host, self.requestHost, self.port) = (text, host.lowercased(), host, port)
        target = path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    private static func isHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", ".", ":": true
        default: false
        }
    }
}
