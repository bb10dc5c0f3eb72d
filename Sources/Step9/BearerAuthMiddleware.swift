import Hummingbird
import WorkshopSupport

/// Lets a request reach `/mcp` only with a valid bearer token; otherwise answers 401 with a
/// standard challenge (RFC 6750 §3) that says where to learn how to get one (RFC 9728 §5.1).
/// The log says why; the client is told no more than it needs.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = MCPRequestContext

    let verifier: AccessTokenVerifier
    let metadata: ProtectedResourceMetadata
    /// Spares a token seen before the RSA verification (see VerifiedTokenCache for the rules).
    let cache: VerifiedTokenCache

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        switch BearerCredentials(request.headers) {
        case .none:
            context.logger.debug("401: no bearer token")
            return challenge(invalidToken: false)
        case .malformed(let reason):
            context.logger.debug("401: malformed credentials", metadata: ["reason": "\(reason)"])
            return challenge(invalidToken: true)
        case .token(let token):
            var context = context
            do throws(AccessTokenVerifier.Rejection) {
                if let known = cache.lookup(token) {
                    context.token = known
                } else {
                    let keyGeneration = cache.keys.generation
                    let verified = try await verifier.verifyFetchingKeys(token)
                    cache.store(token, verified, keyGeneration: keyGeneration)
                    context.token = verified
                }
            } catch {
                context.logger.debug("401: token rejected", metadata: ["reason": "\(error.description)"])
                return challenge(invalidToken: true)
            }
            return try await next(request, context)
        }
    }

    /// No credentials: no error code. Bad credentials: `invalid_token` (RFC 6750 §3.1).
    /// Both name the metadata and the scopes to ask for (MCP authorization, "Protected Resource Metadata
    /// Discovery Requirements", "Scope Selection Strategy").
    func challenge(invalidToken: Bool) -> Response {
        let scope = ProtectedResourceMetadata.baselineScopes.joined(separator: " ")
        var challenge = #"Bearer realm="mcp", resource_metadata="\#(metadata.url)", scope="\#(scope)""#
        // RFC 6750 §3.1: a request without credentials gets no error code.
        var body: JSONValue = ["message": "This endpoint needs a bearer token."]
        if invalidToken {
            challenge += #", error="invalid_token", error_description="The access token is invalid""#
            body = ["error": "invalid_token", "error_description": "The access token is invalid"]
        }
        return Response(
            status: .unauthorized,
            headers: [.wwwAuthenticate: challenge, .contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.encoded()))
        )
    }
}
