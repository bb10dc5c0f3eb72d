import Logging
import WorkshopSupport

/// Answers MCP methods: the lifecycle (`initialize`, `ping`, `server/discover`), the lists
/// of tools and prompts, and calls to them.
struct MCPServer: Sendable {
    static let capabilities: JSONValue = ["tools": ["listChanged": false], "prompts": ["listChanged": false]]
    static let instructions = "A workshop server: each step adds one capability on the way to OAuth-protected MCP."
    static let serverInfo: JSONValue = [
        "name": .string(ServerIdentity.name), "title": .string(ServerIdentity.title),
        "version": .string(ServerIdentity.version),
    ]

    let policy: AccessPolicy
    let notes: NotesStore
    /// `calendar_events`, which reads the caller's calendar by token exchange (chapter 12).
    var calendar = CalendarEventsTool.off
    /// The tools of a linked partner account, when this server links accounts.
    var partnerTools: PartnerTools? = nil

    func handle(_ request: JSONRPCRequest, era: ProtocolEra, caller: VerifiedToken?, logger: Logger)
        async throws(JSONRPCError) -> JSONValue
    {
        let result: [String: JSONValue]
        // 2025-11-25 clients declare what they support once, at initialize: URL elicitation among it.
        if era == .legacy, request.method == "initialize" { partnerTools?.linking.elicitation.declared.remember(request, caller: caller) }
        switch (era, request.method) {
        case (.legacy, "initialize"): result = signedIn(try initialize(request, logger: logger), caller)
        case (.legacy, "ping"): result = [:]
        case (.modern, "server/discover"): result = signedIn(discover(), caller)
        case (_, "tools/list"):
            let tools = UserTools.visible(policy.visibleTools(ToolCatalog.definitions, to: caller), to: caller)
                .filter { CalendarEventsTool.isVisible($0, to: caller) && PartnerTools.isVisible($0, to: caller) }
            result = try list("tools", tools, request, era: era)
        case (_, "prompts/list"):
            result = try list("prompts", policy.visiblePrompts(PromptCatalog.definitions, to: caller), request, era: era)
        case (_, "tools/call"):
            let userTools = UserTools(notes: notes, policy: policy)
            if let userResult = await userTools.call(request.params, caller: caller) {
                result = userResult
            } else if let calendarResult = await calendar.call(request.params, caller: caller, logger: logger) {
                result = calendarResult
            } else if let partnerResult = try await partnerTools?.call(request, era: era, caller: caller) {
                result = partnerResult
            } else {
                result = try ToolRunner.call(request.params)
            }
            // Every tool call is logged with the caller's subject (the logger carries it) and its outcome.
            let outcome = result["isError"] == true ? "error" : "ok"
            logger.info("tools/call", metadata: ["tool": "\(request.params["name"]?.stringValue ?? "-")", "outcome": "\(outcome)"])
        case (_, "prompts/get"): result = try PromptRenderer.get(request.params, caller: caller)
        default: throw .methodNotFound(request.method, era: era)
        }
        return era == .modern ? modern(result) : .object(result)
    }

    /// MCP 2025-11-25 basic/lifecycle: echo a version we support, otherwise offer our latest.
    func initialize(_ request: JSONRPCRequest, logger: Logger) throws(JSONRPCError) -> [String: JSONValue] {
        guard let requested = request.params["protocolVersion"]?.stringValue else {
            throw .invalidParams("initialize needs params.protocolVersion")
        }
        let version = ProtocolVersion.legacy.contains(requested) ? requested : ProtocolVersion.legacy[0]
        let client = request.params["clientInfo"]?["name"]?.stringValue ?? "unknown"
        logger.info("initialize", metadata: ["client": "\(client)", "requested": "\(requested)", "version": "\(version)"])
        return [
            "protocolVersion": .string(version), "capabilities": Self.capabilities,
            "serverInfo": Self.serverInfo, "instructions": .string(Self.instructions),
        ]
    }

    /// MCP 2026-07-28 server/discover: what a stateless client needs before its first call.
    func discover() -> [String: JSONValue] {
        [
            "supportedVersions": .array(ProtocolVersion.supported.map { .string($0) }),
            "capabilities": Self.capabilities, "instructions": .string(Self.instructions),
            "ttlMs": 3_600_000, "cacheScope": "public",
        ]
    }

    /// Lists fit in one page, so the only valid cursor is none (or, in 2026-07-28, the empty one);
    /// 2026-07-28 adds how long a client may cache the list (MCP server/utilities/pagination, caching).
    /// Lists depend on the caller's scopes, so no cache may share them between callers.
    func list(_ key: String, _ items: [JSONValue], _ request: JSONRPCRequest, era: ProtocolEra)
        throws(JSONRPCError) -> [String: JSONValue]
    {
        if let cursor = request.params["cursor"], cursor != "" { throw .invalidParams("Unknown cursor") }
        guard era == .modern else { return [key: .array(items)] }
        return [key: .array(items), "ttlMs": 300_000, "cacheScope": "private"]
    }

    /// The handshake answers say whom the server believes it is talking to: the verified subject.
    /// That makes them personal, so no shared cache may keep them (MCP 2026-07-28 caching).
    func signedIn(_ result: [String: JSONValue], _ caller: VerifiedToken?) -> [String: JSONValue] {
        guard let caller else { return result }
        var result = result
        result["instructions"] = .string("\(Self.instructions) You are signed in as \(caller.subject).")
        if result["cacheScope"] != nil { result["cacheScope"] = "private" }
        return result
    }

    /// Every 2026-07-28 result says whether it is complete (or needs input) and who answered (MCP 2026-07-28 basic/index).
    func modern(_ result: [String: JSONValue]) -> JSONValue {
        var result = result
        result["resultType"] = result["resultType"] ?? "complete"
        result["_meta"] = ["io.modelcontextprotocol/serverInfo": Self.serverInfo]
        return .object(result)
    }
}
