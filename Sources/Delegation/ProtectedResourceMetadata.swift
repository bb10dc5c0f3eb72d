import Hummingbird
import WorkshopSupport

/// What a client needs to get a token for this server, published at a well-known URL
/// (RFC 9728 §2-3; MCP authorization, "Authorization Server Discovery").
struct ProtectedResourceMetadata: Sendable {
    /// The minimal set for basic use, which a 401 also asks for (least privilege). More, such as
    /// `mcp:admin`, is asked for by a 403 when an operation needs it (MCP security best
    /// practices, "Scope minimization").
    static let baselineScopes = ["mcp:read", "mcp:tools", "mcp:prompts"]

    /// The canonical URI of the MCP endpoint: the same value Step 6 requires in `aud`.
    let resource: String
    let authorizationServers: [String]

    /// RFC 9728 §3.1: the well-known prefix inserted before the resource's path.
    let path: String
    /// Where `WWW-Authenticate: Bearer resource_metadata="…"` sends clients (RFC 9728 §5.1).
    let url: String

    init(baseURL: String, resourcePath: String, authorizationServers: [String]) {
        resource = baseURL + resourcePath
        self.authorizationServers = authorizationServers
        path = "/.well-known/oauth-protected-resource" + resourcePath
        url = baseURL + path
    }

    /// Only what is true: no `jwks_uri`, since this server signs nothing.
    var json: JSONValue {
        [
            "resource": .string(resource),
            "authorization_servers": .array(authorizationServers.map { .string($0) }),
            "scopes_supported": .array(Self.baselineScopes.map { .string($0) }),
            "bearer_methods_supported": ["header"],
            "resource_name": .string(ServerIdentity.title),
        ]
    }

    /// A browser asks first when the fetch carries headers such as `MCP-Protocol-Version`.
    func preflight() -> Response {
        Response(
            status: .noContent,
            headers: [
                .accessControlAllowOrigin: "*", .accessControlAllowMethods: "GET, OPTIONS",
                .accessControlAllowHeaders: "*", .accessControlMaxAge: "86400",
            ]
        )
    }

    /// Public and cacheable; any web page may read it, as browser-based MCP clients must.
    func response() -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "public, max-age=300", .accessControlAllowOrigin: "*"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.encoded()))
        )
    }
}
