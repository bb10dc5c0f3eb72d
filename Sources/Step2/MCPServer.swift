import Logging
import WorkshopSupport

/// Answers MCP methods. So far only the lifecycle: `initialize` and `ping` (2025-11-25),
/// `server/discover` (2026-07-28).
struct MCPServer: Sendable {
    static let capabilities: JSONValue = [:]
    static let instructions = "A workshop server: each step adds one capability on the way to OAuth-protected MCP."
    static let serverInfo: JSONValue = [
        "name": .string(ServerIdentity.name), "title": .string(ServerIdentity.title),
        "version": .string(ServerIdentity.version),
    ]

    func handle(_ request: JSONRPCRequest, era: ProtocolEra, logger: Logger) async throws(JSONRPCError) -> JSONValue {
        let result: [String: JSONValue]
        switch (era, request.method) {
        case (.legacy, "initialize"): result = try initialize(request, logger: logger)
        case (.legacy, "ping"): result = [:]
        case (.modern, "server/discover"): result = discover()
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

    /// Every 2026-07-28 result says it is complete and who answered (MCP 2026-07-28 basic/index).
    func modern(_ result: [String: JSONValue]) -> JSONValue {
        var result = result
        result["resultType"] = "complete"
        result["_meta"] = ["io.modelcontextprotocol/serverInfo": Self.serverInfo]
        return .object(result)
    }
}
