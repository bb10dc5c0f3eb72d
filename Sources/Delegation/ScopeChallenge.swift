import Hummingbird
import WorkshopSupport

/// The answer to a valid token that may not do this: 403 with an `insufficient_scope` challenge
/// (RFC 6750 §3.1; MCP 2026-07-28 authorization, "Scope Challenge Handling"). When more scopes
/// would help, it lists every scope the operation needs, so that a client asks for them all at
/// once. When the caller may never do it (a person's role, or the machine row, forbids it), there
/// is no challenge at all: no scope would help, and a client that saw `insufficient_scope` would send
/// its user to sign in again for nothing (RFC 9110 §15.5.4: do not repeat with the same credentials).
struct ScopeChallenge {
    let requiredScopes: [String]
    let metadataURL: String
    var refusal = AccessPolicy.Refusal.insufficientScope

    func response(id: JSONValue?) -> Response {
        let scope = requiredScopes.joined(separator: " ")
        let message: String
        switch refusal {
        case .insufficientScope: message = "Insufficient scope: this operation needs \(scope)"
        case .notAllowed(.person): message = "Your role does not allow this operation"
        case .notAllowed(.machine):
            message = "A client acting on its own behalf may not do this; a person signed in with a role that allows it may"
        }
        // An application error code, outside the range JSON-RPC reserves.
        let error = JSONRPCError(code: 403, message: message, status: .forbidden)
        var response = MCPEndpoint.json(JSONRPCResponse.error(error, id: id), status: .forbidden)
        if refusal == .insufficientScope {
            response.headers[.wwwAuthenticate] = #"Bearer error="insufficient_scope", scope="\#(scope)", resource_metadata="\#(metadataURL)""#
        }
        return response
    }
}
