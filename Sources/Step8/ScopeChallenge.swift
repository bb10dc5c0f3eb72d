import Hummingbird
import WorkshopSupport

/// The answer to a valid token that may not do this: 403 with an `insufficient_scope` challenge
/// (RFC 6750 §3.1; MCP 2026-07-28 authorization, "Scope Challenge Handling"). When more scopes
/// would help, it lists every scope the operation needs, so that a client asks for them all at
/// once. When the token already has them and the caller's role is what forbids it, there is no
/// challenge at all: no scope would help, and a client that saw `insufficient_scope` would send its
/// user to sign in again for nothing (RFC 9110 §15.5.4: do not repeat with the same credentials).
struct ScopeChallenge {
    let requiredScopes: [String]
    let metadataURL: String
    /// True when the token holds the scopes but a role forbids the operation.
    var deniedByRole = false

    func response(id: JSONValue?) -> Response {
        let scope = requiredScopes.joined(separator: " ")
        let message = deniedByRole ? "Your role does not allow this operation" : "Insufficient scope: this operation needs \(scope)"
        // An application error code, outside the range JSON-RPC reserves.
        let error = JSONRPCError(code: 403, message: message, status: .forbidden)
        var response = MCPEndpoint.json(JSONRPCResponse.error(error, id: id), status: .forbidden)
        if !deniedByRole {
            response.headers[.wwwAuthenticate] = #"Bearer error="insufficient_scope", scope="\#(scope)", resource_metadata="\#(metadataURL)""#
        }
        return response
    }
}
