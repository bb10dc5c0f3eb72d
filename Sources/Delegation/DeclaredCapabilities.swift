import Synchronization
import WorkshopSupport

/// What 2025-11-25 clients declared in `initialize` (MCP basic/lifecycle): that era states capabilities once,
/// and this server keeps no sessions, so the declaration is kept for the caller who made it (issuer,
/// subject, client), never for a session id (MCP client/elicitation, "Statefulness"). Bounded, so that
/// no caller can push out anyone else's: a person's many clients evict only that person's oldest.
final class DeclaredCapabilities: Sendable {
    static let limit = 10_000
    static let clientsPerPerson = 16

    private struct Declaration {
        var supportsURL: Bool
        var order: Int
    }

    /// Each person's declarations, by client id, with a counter that says which is oldest.
    private struct Table {
        var people: [String: [String: Declaration]] = [:]
        var count = 0
        var next = 0
    }

    private let table = Mutex(Table())

    /// Remembers whether the caller's `initialize` declared `capabilities.elicitation.url`. Only a person
    /// links an account, so a machine's declaration is not kept.
    func remember(_ request: JSONRPCRequest, caller: VerifiedToken?) {
        guard let caller, caller.kind == .person else { return }
        let supports = request.params["capabilities"]?["elicitation"]?["url"]?.objectValue != nil
        let person = Self.person(caller), client = caller.clientID ?? ""
        table.withLock { table in
            table.next += 1
            if table.people[person, default: [:]].updateValue(Declaration(supportsURL: supports, order: table.next), forKey: client) == nil {
                table.count += 1
            }
            if let own = table.people[person], own.count > Self.clientsPerPerson,
                let oldest = own.min(by: { $0.value.order < $1.value.order })
            {
                Self.forget(person, oldest.key, in: &table)
            }
            if table.count > Self.limit, let oldest = Self.oldest(in: table) { Self.forget(oldest.person, oldest.client, in: &table) }
        }
    }

    func supportsURL(_ caller: VerifiedToken) -> Bool {
        table.withLock { $0.people[Self.person(caller)]?[caller.clientID ?? ""]?.supportsURL ?? false }
    }

    static func person(_ caller: VerifiedToken) -> String {
        JSONValue.array([.string(caller.issuer), .string(caller.subject)]).jsonText
    }

    private static func oldest(in table: Table) -> (person: String, client: String)? {
        var found: (person: String, client: String, order: Int)?
        for (person, clients) in table.people {
            for (client, declaration) in clients where declaration.order < (found?.order ?? .max) {
                found = (person, client, declaration.order)
            }
        }
        return found.map { ($0.person, $0.client) }
    }

    private static func forget(_ person: String, _ client: String, in table: inout Table) {
        guard table.people[person]?.removeValue(forKey: client) != nil else { return }
        table.count -= 1
        if table.people[person]?.isEmpty == true { table.people[person] = nil }
    }
}
