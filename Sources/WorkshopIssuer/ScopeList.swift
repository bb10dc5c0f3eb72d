/// Scope strings: space-separated scope tokens (RFC 6749 §3.3), limited to the scopes this issuer knows.
public enum ScopeList {
    /// Every scope this issuer knows (RFC 8414 `scopes_supported`), in the order it lists them.
    public static let supported = ["mcp:read", "mcp:tools", "mcp:prompts", "mcp:admin"]

    /// The scopes in the order `supported` lists them, each once; nil when one is unknown or the text is empty.
    static func parse(_ text: String) -> [String]? {
        let tokens = text.split(separator: " ").map(String.init)
        guard !tokens.isEmpty, tokens.allSatisfy(supported.contains) else { return nil }
        return supported.filter(tokens.contains)
    }

    /// What to grant: the requested scopes (the registered ones when none are asked for). With `ceiling`,
    /// they must lie within what the client registered (RFC 7591 §2 allows either reading).
    static func grant(requested: String?, registered: [String]?, ceiling: Bool) throws(OAuthError) -> [String] {
        guard let requested else { return registered ?? IssuerSettings.defaultScopes }
        guard let scopes = parse(requested) else {
            throw OAuthError(OAuthError.invalidScope, "Unknown scope: this issuer knows \(supported.joined(separator: " ")).")
        }
        if ceiling, let registered, !scopes.allSatisfy(registered.contains) {
            throw OAuthError(OAuthError.invalidScope, "The client did not register for every scope it asks for.")
        }
        return scopes
    }

    static func text(_ scopes: [String]) -> String { scopes.joined(separator: " ") }
}
