import Hummingbird
import Logging
import WorkshopSupport

/// Builds the application: the router plus where it listens and what it prints at start-up.
func buildApplication(_ options: ServerOptions, origins: OriginOptions, keyFiles: KeyFiles, auth: AuthOptions) throws
    -> some ApplicationProtocol
{
    let logger = options.makeLogger(label: ServerIdentity.label)
    let trustedKeys = try TrustedKeys.load(from: keyFiles, logger: logger)
    let router = buildRouter(options, origins: origins, trustedKeys: trustedKeys, auth: auth)
    return Application(
        router: router,
        configuration: options.applicationConfiguration(serverName: ServerIdentity.label),
        onServerRunning: options.announce(
            ServerIdentity.title,
            urls: [("Health", "/health"), ("MCP endpoint", "/mcp"), ("JWKS", "/.well-known/jwks.json")]
        ),
        logger: logger
    )
}

/// Every route of this step, in one place.
func buildRouter(_ options: ServerOptions, origins: OriginOptions, trustedKeys: TrustedKeys, auth: AuthOptions)
    -> Router<MCPRequestContext>
{
    let router = Router(context: MCPRequestContext.self)
    router.addMiddleware { RequestLogger() }
    router.get("/health") { _, _ in Health.current }
    router.get("/.well-known/jwks.json") { _, _ in trustedKeys.jwksResponse() }
    // The audience tokens must name: this server's canonical MCP endpoint URI (RFC 8707).
    let verifier = AccessTokenVerifier(
        keys: trustedKeys, issuer: auth.issuer, audience: "\(options.baseURL)/mcp", acceptJWTType: auth.acceptJWTType)
    let transport = TransportGuard(publicURL: options.baseURL, allowedOrigins: origins.allowed)
    let mcp = router.group("/mcp")
        .add(middleware: OriginMiddleware(transport: transport))
        .add(middleware: BearerAuthMiddleware(verifier: verifier))
    MCPEndpoint(server: MCPServer(), transport: transport)
        .addRoutes(to: mcp, path: "")
    return router
}
