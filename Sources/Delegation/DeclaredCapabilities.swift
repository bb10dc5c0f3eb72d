import Synchronization
import WorkshopSupport

/// What 2025-11-25 clients declared in `initialize` (MCP basic/lifecycle): that era states capabilities once,
/// and this server keeps no sessions, so the declaration is kept for the caller who made it (issuer,
/// subject, client), never for a session id (MCP client/elicitation, "Statefulness"). Bounded.
final class DeclaredCapabilities: Sendable {
    static let limit = 10_000
    private let urlElicitation = Mutex<[String: Bool]>([:])

    /// Remembers whether the caller's `initialize` declared `capabilities.elicitation.url`.
    func remember(_ request: JSONRPCRequest, caller: VerifiedToken?) {
        guard let caller else { return }
        let supports = request.params["capabilities"]?["elicitation"]?["url"]?.objectValue != nil
        urlElicitation.withLock { known in
            if known.count >= Self.limit, known[Self.key(caller)] == nil { known.removeAll() }
            known[Self.key(caller)] = supports
        }
    }

    func supportsURL(_ caller: VerifiedToken) -> Bool { urlElicitation.withLock { $0[Self.key(caller)] ?? false } }

    static func key(_ caller: VerifiedToken) -> String {
        JSONValue.array([.string(caller.issuer), .string(caller.subject), .string(caller.clientID ?? "")]).jsonText
    }
}
