/// Scope strings: space-separated scope tokens (RFC 6749 §3.3), limited to the scopes this issuer knows.
public enum ScopeList {
    /// Every scope this issuer knows (RFC 8414 `scopes_supported`), in the order it lists them.
    public static let supported = ["mcp:read", "mcp:tools", "mcp:prompts", "mcp:admin", "calendar:read"]
    /// The ceiling of a client that registered no scope: what an ordinary user may hold, never `mcp:admin`.
    public static let defaultClientScopes = ["mcp:read", "mcp:tools", "mcp:prompts"]

    /// The scopes in the order `supported` lists them, each once; nil when one is unknown or the text is empty.
    static func parse(_ text: String) -> [String]? {
        let tokens = text.split(separator: " ").map(String.init)
        guard !tokens.isEmpty, tokens.allSatisfy(supported.contains) else { return nil }
        return supported.filter(tokens.contains)
    }

    /// The scopes a request asks for: nil when it names none; invalid_scope when one is unknown.
    static func requested(_ text: String?) throws(OAuthError) -> [String]? {
        guard let text else { return nil }
        guard let scopes = parse(text) else {
            throw OAuthError(OAuthError.invalidScope, "Unknown scope: this issuer knows \(supported.joined(separator: " ")).")
        }
        return scopes
    }

    /// The scopes of `scopes` that `allowed` also holds, in `supported` order.
    static func within(_ scopes: [String], _ allowed: [String]) -> [String] {
        scopes.filter(allowed.contains)
    }

    static func text(_ scopes: [String]) -> String { scopes.joined(separator: " ") }
}
