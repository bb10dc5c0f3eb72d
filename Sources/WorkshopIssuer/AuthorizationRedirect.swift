/// Where an authorization response goes: the client's redirect URI, with the state it sent and the
/// issuer's identifier, so the client can tell which issuer answered (RFC 6749 §4.1.2, RFC 9207 §2).
struct AuthorizationRedirect: Sendable {
    let uri: String
    let state: String?
    let issuer: String

    /// The redirect URI with `parameters`, then state and iss, added to its query.
    func location(_ parameters: [(String, String)]) -> String {
        var all = parameters
        if let state { all.append(("state", state)) }
        all.append(("iss", issuer))
        return RedirectURI.adding(all, to: uri)
    }

    /// An error response (RFC 6749 §4.1.2.1).
    func location(for error: OAuthError) -> String {
        location([("error", error.code), ("error_description", error.safeDescription)])
    }
}
