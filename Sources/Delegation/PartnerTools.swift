import Foundation
import WorkshopSupport

/// Tools that use the person's linked account at the partner. The partner's tokens never leave this
/// server, and the caller's own token is never sent to the partner (MCP security best practices,
/// "Token Passthrough"): without a link, the tool asks the user to make one (`URLElicitation`).
struct PartnerTools: Sendable {
    let linking: AccountLinking

    static let definitions: [JSONValue] = [calendarEvents, unlink]
    static let names: Set<String> = ["partner_calendar_events", "partner_unlink"]
    static let machineRefusal =
        "A linked account belongs to a person, and this token has none behind it: the client got it for itself"
        + " (client credentials). Use a token from a person's sign-in."

    /// Lists show only what the caller may use: a machine sees no partner tools.
    static func isVisible(_ tool: JSONValue, to caller: VerifiedToken?) -> Bool {
        caller?.kind != .machine || !names.contains(tool["name"]?.stringValue ?? "")
    }

    /// Runs the tool named in the request if it is one of these; nil otherwise.
    func call(_ request: JSONRPCRequest, era: ProtocolEra, caller: VerifiedToken?) async throws(JSONRPCError) -> [String: JSONValue]? {
        let name = request.params["name"]?.stringValue ?? ""
        guard Self.names.contains(name) else { return nil }
        guard let caller else { return UserTools.failure("Sign in first.") }
        if caller.kind == .machine { return UserTools.failure(Self.machineRefusal) }
        switch request.params["arguments"] {
        case nil, .null?: break
        case .object(let arguments)? where arguments.isEmpty: break
        default: return UserTools.failure("\(name) takes no arguments: whose account it is comes from your token.")
        }
        guard let partner = linking.partner else { return UserTools.failure(AccountLinking.notConfigured) }
        let owner = UserTools.owner(caller)
        if name == "partner_unlink" { return await unlink(owner, partner) }
        let action = try linking.elicitation.retryAction(request.params, caller: caller, tool: name)
        do throws(AccountLinking.Problem) {
            if let events = try await linking.calendarEvents(of: owner, partner) { return ToolRunner.success(events) }
        } catch {
            return UserTools.failure(error.description)
        }
        // No link (or the partner no longer honours it): ask the user to make one, if they have not just declined.
        if let action, action != "accept" {
            return UserTools.failure("You did not link your partner account (\(action)). Call the tool again when you want to.")
        }
        guard linking.home != nil else { return UserTools.failure(AccountLinking.notConfigured) }
        guard linking.elicitation.clientSupportsURL(request, era: era, caller: caller) else {
            return UserTools.failure(
                "This tool needs your account at the partner, linked on a web page, and your client did not declare URL"
                    + " elicitation (capabilities.elicitation.url). Use a client that supports URL elicitation.")
        }
        return try linking.elicitation.required(for: caller, tool: name, era: era)
    }

    func unlink(_ owner: NotesStore.Owner, _ partner: Partner) async -> [String: JSONValue] {
        do {
            let tokens = try await linking.store.tokens(for: owner)
            let deleted = try await linking.store.delete(for: owner)
            // Best effort: the partner ends the grant, so a copy of the token elsewhere is worthless too.
            if let refresh = tokens?.refreshToken { await OAuthClient(issuer: partner.issuer, client: partner.client).revoke(refresh) }
            return ToolRunner.success(["unlinked": .bool(deleted)])
        } catch {
            return UserTools.failure("The link could not be removed; try again.")
        }
    }

    static let calendarEvents: JSONValue = [
        "name": "partner_calendar_events",
        "title": "Partner calendar",
        "description": "Lists your events in the partner calendar, through your linked account there. The first time, you are asked to link it on a web page.",
        "inputSchema": ["type": "object", "additionalProperties": false],
        "annotations": ["title": "Partner calendar", "readOnlyHint": true, "openWorldHint": true],
    ]

    static let unlink: JSONValue = [
        "name": "partner_unlink",
        "title": "Unlink the partner account",
        "description": "Removes your linked partner account from this server, and asks the partner to end the grant.",
        "inputSchema": ["type": "object", "additionalProperties": false],
        "outputSchema": ["type": "object", "properties": ["unlinked": ["type": "boolean"]], "required": ["unlinked"]],
        "annotations": ["title": "Unlink the partner account", "readOnlyHint": false, "destructiveHint": true, "idempotentHint": true, "openWorldHint": true],
    ]
}
