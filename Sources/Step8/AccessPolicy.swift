import WorkshopSupport

/// Who may do what, in one table (MCP authorization, "Scope Challenge Handling").
///
/// A scope says what this client may do for the user; a role says what the person may do.
/// An operation needs both: every scope it requires must be in the token's `scope` claim and
/// allowed by one of the caller's roles. A token without a `roles` claim is limited by its
/// scopes alone, since many issuers send no roles.
enum AccessPolicy {
    /// The scopes each method needs. A method not listed needs only a valid token.
    static let methodScopes: [String: [String]] = [
        "tools/list": ["mcp:read"],
        "prompts/list": ["mcp:read"],
        "tools/call": ["mcp:tools"],
        "prompts/get": ["mcp:prompts"],
    ]

    /// The scopes each tool needs on top of `tools/call`'s.
    static let toolScopes: [String: [String]] = [
        "echo": [],
        "get_time": [],
        "server_status": ["mcp:admin"],
    ]

    /// Scope hierarchy: holding the key scope counts as holding the others.
    static let impliedScopes: [String: [String]] = [
        "mcp:admin": ["mcp:read", "mcp:tools", "mcp:prompts"]
    ]

    /// The scopes each role may use.
    static let roleScopes: [String: [String]] = [
        "admin": ["mcp:admin", "mcp:read", "mcp:tools", "mcp:prompts"],
        "user": ["mcp:read", "mcp:tools", "mcp:prompts"],
        "guest": ["mcp:read"],
    ]

    /// Every scope a request needs: its method's, plus the tool's for `tools/call`.
    static func requiredScopes(for request: JSONRPCRequest) -> [String] {
        let methodScopes = methodScopes[request.method] ?? []
        guard request.method == "tools/call", let tool = request.params["name"]?.stringValue else { return methodScopes }
        return methodScopes + (toolScopes[tool] ?? [])
    }

    /// What the token grants: its scopes, widened by the hierarchy.
    static func grantedScopes(of caller: VerifiedToken) -> Set<String> {
        var granted = Set(caller.scopes)
        for scope in granted { granted.formUnion(impliedScopes[scope] ?? []) }
        return granted
    }

    /// What the caller may actually use: the granted scopes, narrowed by roles.
    static func effectiveScopes(of caller: VerifiedToken) -> Set<String> {
        let granted = grantedScopes(of: caller)
        guard caller.claims["roles"] != nil else { return granted }
        return granted.intersection(caller.roles.flatMap { roleScopes[$0] ?? [] })
    }

    static func allows(_ caller: VerifiedToken?, _ required: [String]) -> Bool {
        guard let caller else { return required.isEmpty }
        return Set(required).isSubset(of: effectiveScopes(of: caller))
    }

    /// Lists show only what the caller may use.
    static func visibleTools(_ tools: [JSONValue], to caller: VerifiedToken?) -> [JSONValue] {
        // The caller's scopes are worked out once for the whole list, not once per tool.
        let effective = caller.map(effectiveScopes)
        return tools.filter { tool in
            let name = tool["name"]?.stringValue ?? ""
            let required = (methodScopes["tools/call"] ?? []) + (toolScopes[name] ?? [])
            guard let effective else { return required.isEmpty }
            return Set(required).isSubset(of: effective)
        }
    }

    static func visiblePrompts(_ prompts: [JSONValue], to caller: VerifiedToken?) -> [JSONValue] {
        allows(caller, methodScopes["prompts/get"] ?? []) ? prompts : []
    }
}
