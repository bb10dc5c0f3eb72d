/// Scope strings: space-separated scope tokens (RFC 6749 §3.3), limited to the scopes this issuer knows.
enum ScopeList {
    /// The scopes in the order `scopes_supported` lists them, each once; nil when one is unknown or the text is empty.
    static func parse(_ text: String) -> [String]? {
        let tokens = text.split(separator: " ").map(String.init)
        guard !tokens.isEmpty, tokens.allSatisfy(IssuerSettings.scopesSupported.contains) else { return nil }
        return IssuerSettings.scopesSupported.filter(tokens.contains)
    }

    /// What to grant: the requested scopes (the registered ones when none are asked for). With `ceiling`,
    /// they must lie within what the client registered (RFC 7591 §2 allows either reading).
    static func grant(requested: String?, registered: [String]?, ceiling: Bool) throws(OAuthError) -> [String] {
        guard let requested else { return registered ?? IssuerSettings.defaultScopes }
        guard let scopes = parse(requested) else {
            throw OAuthError(OAuthError.invalidScope, "Unknown scope: this issuer knows \(IssuerSettings.scopesSupported.joined(separator: " ")).")
        }
        if ceiling, let registered, !scopes.allSatisfy(registered.contains) {
            throw OAuthError(OAuthError.invalidScope, "The client did not register for every scope it asks for.")
        }
        return scopes
    }

    static func text(_ scopes: [String]) -> String { scopes.joined(separator: " ") }
}
