/// The MCP revisions this server speaks (MCP 2026-07-28 basic/versioning).
enum ProtocolVersion {
    /// The stateless revision: no handshake, `_meta` and MCP headers on every request.
    static let modern = "2026-07-28"
    /// Revisions that begin with `initialize`, newest first.
    static let legacy = ["2025-11-25", "2025-06-18", "2025-03-26"]
    static let supported = [modern] + legacy
}

/// How a client talks to this endpoint: statelessly (2026-07-28) or after an `initialize` handshake.
enum ProtocolEra: String, Sendable {
    case modern
    case legacy
}
