/// The roles a workshop user may have (the `roles` claim), and the scopes each may hold: the table
/// chapter 8 teaches and Step 8's policy applies, so that the issuer never grants what a role can never use.
public enum Role: String, CaseIterable, Sendable {
    case admin, user, guest

    /// `mcp:admin` implies the other three at Step 8; only an administrator may hold it.
    public var scopes: [String] {
        switch self {
        case .admin: ["mcp:read", "mcp:tools", "mcp:prompts", "mcp:admin", "calendar:read"]
        case .user: ["mcp:read", "mcp:tools", "mcp:prompts", "calendar:read"]
        case .guest: ["mcp:read", "calendar:read"]
        }
    }

    /// Every scope any of `names` allows, in `ScopeList.supported` order; an unknown role allows nothing.
    static func scopes(for names: [String]) -> [String] {
        let allowed = Set(names.compactMap(Role.init(rawValue:)).flatMap(\.scopes))
        return ScopeList.supported.filter(allowed.contains)
    }
}
