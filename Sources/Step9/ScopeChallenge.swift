import Hummingbird
import WorkshopSupport

/// The answer to a valid token that lacks scopes: 403 with an `insufficient_scope` challenge that
/// lists every scope the operation needs, so that a client can ask for them all at once
/// (RFC 6750 §3.1; MCP 2026-07-28 authorization, "Scope Challenge Handling").
struct ScopeChallenge {
    let requiredScopes: [String]
    let metadataURL: String

    func response(id: JSONValue?) -> Response {
        let scope = requiredScopes.joined(separator: " ")
        let challenge = #"Bearer error="insufficient_scope", scope="\#(scope)", resource_metadata="\#(metadataURL)""#
        // An application error code, outside the range JSON-RPC reserves.
        let error = JSONRPCError(code: 403, message: "Insufficient scope: this operation needs \(scope)", status: .forbidden)
        var response = MCPEndpoint.json(JSONRPCResponse.error(error, id: id), status: .forbidden)
        response.headers[.wwwAuthenticate] = challenge
        return response
    }
}
