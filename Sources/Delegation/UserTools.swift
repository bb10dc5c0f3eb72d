import Foundation
import WorkshopSupport

/// Tools that act for the caller. Who the caller is comes from the verified token, and only
/// from there: never from arguments, never from `clientInfo` (MCP security best practices).
struct UserTools: Sendable {
    let notes: NotesStore
    let policy: AccessPolicy

    static let definitions: [JSONValue] = [whoami, noteCreate, noteList, noteRead, noteDelete]
    /// The tools that keep a person's notes. A machine has none: no person stands behind its token.
    static let noteTools: Set<String> = ["note_create", "note_list", "note_read", "note_delete"]
    static let machineRefusal =
        "Notes belong to people, and this token has none behind it: the client got it for itself (client credentials)."
        + " Use a token from a person's sign-in to keep notes."

    /// Runs the tool named in `params` if it is one of these; nil otherwise.
    func call(_ params: [String: JSONValue], caller: VerifiedToken?) async -> [String: JSONValue]? {
        let name = params["name"]?.stringValue ?? ""
        guard Self.definitions.contains(where: { $0["name"] == .string(name) }) else { return nil }
        guard let caller else { return Self.failure("Sign in first.") }
        let arguments: [String: JSONValue]
        switch params["arguments"] {
        case nil, .null?: arguments = [:]
        case .object(let object)?: arguments = object
        default: return Self.failure("arguments must be an object")
        }
        if Self.noteTools.contains(name), caller.kind == .machine { return Self.failure(Self.machineRefusal) }
        switch name {
        case "whoami":
            guard arguments.isEmpty else { return Self.failure("whoami takes no arguments: who you are comes from your token.") }
            return ToolRunner.success(Self.identity(of: caller, policy: policy))
        case "note_create": return await create(arguments, caller)
        case "note_list":
            guard arguments.isEmpty else { return Self.failure("note_list takes no arguments.") }
            return await list(caller)
        case "note_read": return await read(arguments, caller)
        default: return await delete(arguments, caller)
        }
    }

    /// Lists show only what the caller may use: a machine sees no note tools.
    static func visible(_ tools: [JSONValue], to caller: VerifiedToken?) -> [JSONValue] {
        guard caller?.kind == .machine else { return tools }
        return tools.filter { !noteTools.contains($0["name"]?.stringValue ?? "") }
    }

    /// Everything the server knows about the caller, all of it from the token: who (the issuer and
    /// the subject together), which kind of caller, and what the policy lets it do.
    static func identity(of caller: VerifiedToken, policy: AccessPolicy) -> JSONValue {
        [
            "issuer": .string(caller.issuer),
            "subject": .string(caller.subject),
            "kind": .string(caller.kind.rawValue),
            "username": .string(caller.claims["preferred_username"]?.stringValue ?? caller.subject),
            "client_id": caller.clientID.map { .string($0) } ?? .null,
            "scopes": .array(caller.scopes.map { .string($0) }),
            "effective_scopes": .array(policy.effectiveScopes(of: caller).sorted().map { .string($0) }),
            "roles": .array(policy.roles(of: caller).map { .string($0) }),
            "expires_at": .string(ISO8601DateFormatter().string(from: caller.expiresAt)),
        ]
    }

    func create(_ arguments: [String: JSONValue], _ caller: VerifiedToken) async -> [String: JSONValue] {
        guard Set(arguments.keys).isSubset(of: ["title", "text"]),
            let title = arguments["title"]?.stringValue, (1...200).contains(title.unicodeScalars.count),
            let text = arguments["text"]?.stringValue, (1...10_000).contains(text.unicodeScalars.count)
        else { return Self.failure("note_create needs a title (1-200 characters) and a text (1-10000 characters).") }
        do {
            let note = try await notes.create(owner: Self.owner(caller), title: title, text: text)
            return ToolRunner.success(["id": .string(note.id), "title": .string(note.title), "created_at": .string(note.createdAt)])
        } catch {
            return Self.failure(error.description)
        }
    }

    /// Your own notes. An administrator sees every note's title and owner, for oversight, but
    /// never its text: reading stays with the owner.
    func list(_ caller: VerifiedToken) async -> [String: JSONValue] {
        let everyone = policy.effectiveScopes(of: caller).contains("mcp:admin")
        let found: [NotesStore.Summary]
        do {
            found = try await notes.list(ownedBy: everyone ? nil : Self.owner(caller))
        } catch {
            return Self.failure(error.description)
        }
        let summaries: [JSONValue] = found.map {
            let owner: JSONValue = ["issuer": .string($0.owner.issuer), "subject": .string($0.owner.subject)]
            return ["id": .string($0.id), "title": .string($0.title), "created_at": .string($0.createdAt), "owner": owner]
        }
        return ToolRunner.success(["notes": .array(summaries), "all_users": .bool(everyone)])
    }

    func read(_ arguments: [String: JSONValue], _ caller: VerifiedToken) async -> [String: JSONValue] {
        guard let id = Self.noteID(arguments) else { return Self.failure("note_read needs the id of one of your notes.") }
        do {
            // Another user's note and no note at all get the same answer: ids reveal nothing.
            guard let note = try await notes.note(id: id, ownedBy: Self.owner(caller)) else { return Self.failure("No note with that id.") }
            return ToolRunner.success([
                "id": .string(note.id), "title": .string(note.title), "text": .string(note.text), "created_at": .string(note.createdAt),
            ])
        } catch {
            return Self.failure(error.description)
        }
    }

    func delete(_ arguments: [String: JSONValue], _ caller: VerifiedToken) async -> [String: JSONValue] {
        guard let id = Self.noteID(arguments) else { return Self.failure("note_delete needs the id of one of your notes.") }
        do {
            guard try await notes.delete(id: id, ownedBy: Self.owner(caller)) else { return Self.failure("No note with that id.") }
            return ToolRunner.success(["id": .string(id), "deleted": true])
        } catch {
            return Self.failure(error.description)
        }
    }

    /// Whose notes these are: the pair (issuer, subject), from the token alone.
    static func owner(_ caller: VerifiedToken) -> NotesStore.Owner {
        NotesStore.Owner(issuer: caller.issuer, subject: caller.subject)
    }

    static func noteID(_ arguments: [String: JSONValue]) -> String? {
        guard Set(arguments.keys) == ["id"], let id = arguments["id"]?.stringValue, (1...64).contains(id.count) else { return nil }
        return id
    }

    static func failure(_ message: String) -> [String: JSONValue] {
        ["content": [["type": "text", "text": .string(message)]], "isError": true]
    }
}
