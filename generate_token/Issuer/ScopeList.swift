/// Scope strings: space-separated scope tokens (RFC 6749 §3.3), limited to the scopes this issuer knows.
enum ScopeList {
    /// The scopes in the order `scopes_supported` lists them, each once; nil when one is unknown or the text is empty.
    static func parse(_ text: String) -> [String]? {
        let tokens = text.split(separator: " ").map(String.init)
        guard !tokens.isEmpty, tokens.allSatisfy(IssuerSettings.scopesSupported.contains) else { return nil }
        return IssuerSettings.scopesSupported.filter(tokens.contains)
    }

    /// What to grant: the requested scopes, which must lie within what the client registered (when it did).
    static func grant(requested: String?, registered: [String]?) throws(OAuthError) -> [String] {
        guard let requested else { return registered ?? IssuerSettings.defaultScopes }
        guard let scopes = parse(requested) else {
            throw OAuthError(OAuthError.invalidScope, "Unknown scope: this issuer knows \(IssuerSettings.scopesSupported.joined(separator: " ")).")
        }
        if let registered, !scopes.allSatisfy(registered.contains) {
            throw OAuthError(OAuthError.invalidScope, "The client did not register for every scope it asks for.")
        }
        return scopes
    }

    static func text(_ scopes: [String]) -> String { scopes.joined(separator: " ") }
}
