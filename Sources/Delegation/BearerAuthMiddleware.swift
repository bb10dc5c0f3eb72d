import Hummingbird
import WorkshopSupport

/// Lets a request reach `/mcp` only with a valid bearer token; otherwise answers 401 with a
/// standard challenge (RFC 6750 §3) that says where to learn how to get one (RFC 9728 §5.1).
/// The log says exactly why; the client is told the kind of problem.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = MCPRequestContext

    let verifier: AccessTokenVerifier
    let metadata: ProtectedResourceMetadata
    /// Tokens that passed, so that a client's next request with the same token is not verified again
    /// until the token expires (tutorial chapter 11).
    let verifiedTokens = VerifiedTokenCache<VerifiedToken>(expiry: \.expiresAt)
    /// When set, the issuer is asked whether each token is still active (RFC 7662, tutorial chapter 10).
    var introspection: TokenIntrospection? = nil

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        switch BearerCredentials(request.headers) {
        case .none:
            context.logger.debug("401: no bearer token")
            return challenge(error: nil)
        case .malformed(let reason):
            context.logger.info("401: malformed credentials", metadata: ["reason": "\(reason)"])
            return challenge(error: "The Authorization header does not hold one well-formed bearer token")
        case .token(let token):
            var context = context
            do {
                context.token = try await verifiedTokens.verified(token, keyGeneration: verifier.keys.generation) {
                    try await verifier.verifyFetchingKeys(token)
                }
            } catch let rejection as AccessTokenVerifier.Rejection {
                context.logger.info(
                    "401: token refused (generate_token decode shows what a token says)", metadata: ["reason": "\(rejection)"])
                return challenge(error: explanation(rejection.kind))
            }
            context.token?.accessToken = CallerAccessToken(value: token)
            // After the cache too: a signature verified earlier says nothing of a revocation since.
            if let introspection, let verified = context.token {
                switch await introspection.verdict(on: token, expiresAt: verified.expiresAt) {
                case .active: break
                case .inactive:
                    context.logger.info("401: the issuer says the token is no longer active", metadata: ["sub": "\(verified.subject)"])
                    return challenge(error: "The access token was revoked or is no longer active")
                case .unavailable(let reason):
                    context.logger.error("503: could not ask the issuer whether the token is active", metadata: ["reason": "\(reason)"])
                    return TokenIntrospection.unavailable
                }
            }
            return try await next(request, context)
        }
    }

    /// What the client is told about a refused token: the kind of problem, never the token or the
    /// details, so that its developer knows what to fix (RFC 6750 §3: `error_description`).
    func explanation(_ kind: AccessTokenVerifier.Rejection.Kind) -> String {
        switch kind {
        case .malformed: "The access token is not a well-formed signed JWT"
        case .notAnRS256AccessToken: "The access token is not an RS256 access token of type at+jwt"
        case .unknownKey: "The access token names no signing key this server trusts"
        case .badSignature: "The access token's signature does not verify"
        case .untrustedIssuer: "The access token is from an issuer this server does not trust"
        case .wrongAudience: "The access token is for another audience; this server is \(verifier.audience)"
        case .expired: "The access token expired"
        case .notYetValid: "The access token is not valid yet"
        case .missingClaim: "The access token lacks a claim this server needs (exp, sub)"
        }
    }

    /// No credentials: no error code. Bad credentials: `invalid_token`, and what was wrong (RFC 6750 §3.1).
    /// Both name the metadata and the scopes to ask for (MCP authorization, "Protected Resource Metadata
    /// Discovery Requirements", "Scope Selection Strategy").
    func challenge(error description: String?) -> Response {
        let scope = ProtectedResourceMetadata.baselineScopes.joined(separator: " ")
        var challenge = #"Bearer realm="mcp", resource_metadata="\#(metadata.url)", scope="\#(scope)""#
        // RFC 6750 §3.1: a request without credentials gets no error code.
        var body: JSONValue = ["message": "This endpoint needs a bearer token."]
        if let description {
            challenge += #", error="invalid_token", error_description="\#(description)""#
            body = ["error": "invalid_token", "error_description": .string(description)]
        }
        return Response(
            status: .unauthorized,
            headers: [.wwwAuthenticate: challenge, .contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.encoded()))
        )
    }
}
