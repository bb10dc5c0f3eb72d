import WorkshopSupport

/// Who may do what, in one table (MCP authorization, "Scope Challenge Handling").
///
/// A scope says what this client may do; a role says what the person may do. An operation needs
/// both: every scope it requires must be in the token's `scope` claim and allowed for the caller.
/// A person is allowed what their roles allow: the token's `roles` claim, or, from an issuer that
/// sends none, the default role `--default-role` sets for it. A machine, a client acting on its own
/// behalf with no person behind the token, is allowed its own row, whatever roles its token claims.
struct AccessPolicy: Sendable {
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
        "whoami": [],
        "note_create": [],
        "note_list": [],
        "note_read": [],
        "note_delete": [],
        "calendar_events": [],
        "partner_calendar_events": [],
        "partner_unlink": [],
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

    /// The scopes a machine may use: it reads and calls tools, and never reaches what only a person's
    /// role allows, the administrator's tool above all.
    static let machineScopes: [String] = ["mcp:read", "mcp:tools"]

    /// Which role a person has whose token carries no `roles` claim (`--default-role`).
    let defaultRoles: RoleOptions

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

    /// A person's roles: the token's `roles` claim, or the default role of its issuer. A machine has none.
    func roles(of caller: VerifiedToken) -> [String] {
        guard caller.kind == .person else { return [] }
        return caller.claims["roles"] != nil ? caller.roles : [defaultRoles.defaultRole(for: caller.issuer)]
    }

    /// What the caller may ever use, whatever its token grants: its roles' scopes, or the machine row.
    func allowedScopes(of caller: VerifiedToken) -> Set<String> {
        switch caller.kind {
        case .person: Set(roles(of: caller).flatMap { Self.roleScopes[$0] ?? [] })
        case .machine: Set(Self.machineScopes)
        }
    }

    /// What the caller may actually use: the granted scopes, narrowed to what the caller is allowed.
    func effectiveScopes(of caller: VerifiedToken) -> Set<String> {
        Self.grantedScopes(of: caller).intersection(allowedScopes(of: caller))
    }

    /// Why an operation is refused.
    enum Refusal: Equatable, CustomStringConvertible {
        /// The caller is never allowed it: no scope would help.
        case notAllowed(VerifiedToken.Kind)
        /// The caller may do it, with a token that grants more scopes.
        case insufficientScope

        var description: String { self == .insufficientScope ? "insufficient scope" : "not allowed" }
    }

    /// Nil when the caller may do what needs `required`; otherwise why not. What the caller is
    /// allowed is asked first, so that a client is never sent to fetch scopes that cannot help.
    func refusal(of caller: VerifiedToken?, for required: [String]) -> Refusal? {
        guard let caller else { return required.isEmpty ? nil : .insufficientScope }
        if !Set(required).isSubset(of: allowedScopes(of: caller)) { return .notAllowed(caller.kind) }
        if !Set(required).isSubset(of: Self.grantedScopes(of: caller)) { return .insufficientScope }
        return nil
    }

    func allows(_ caller: VerifiedToken?, _ required: [String]) -> Bool {
        refusal(of: caller, for: required) == nil
    }

    /// Lists show only what the caller may use.
    func visibleTools(_ tools: [JSONValue], to caller: VerifiedToken?) -> [JSONValue] {
        // The caller's scopes are worked out once for the whole list, not once per tool.
        let effective = caller.map(effectiveScopes)
        return tools.filter { tool in
            let name = tool["name"]?.stringValue ?? ""
            let required = (Self.methodScopes["tools/call"] ?? []) + (Self.toolScopes[name] ?? [])
            guard let effective else { return required.isEmpty }
            return Set(required).isSubset(of: effective)
        }
    }

    func visiblePrompts(_ prompts: [JSONValue], to caller: VerifiedToken?) -> [JSONValue] {
        allows(caller, Self.methodScopes["prompts/get"] ?? []) ? prompts : []
    }
}
