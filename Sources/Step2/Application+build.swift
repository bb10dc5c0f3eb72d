import Hummingbird
import Logging
import WorkshopSupport

/// Builds the application: the router plus where it listens and what it prints at start-up.
func buildApplication(_ options: ServerOptions, origins: OriginOptions) -> some ApplicationProtocol {
    let logger = options.makeLogger(label: ServerIdentity.label)
    let router = buildRouter(options, origins: origins)
    return Application(
        router: router,
        configuration: options.applicationConfiguration(serverName: ServerIdentity.label),
        onServerRunning: options.announce(
            ServerIdentity.title,
            urls: [("Health", "/health"), ("MCP endpoint", "/mcp")]
        ),
        logger: logger
    )
}

/// Every route of this step, in one place.
func buildRouter(_ options: ServerOptions, origins: OriginOptions) -> Router<BasicRequestContext> {
    let router = Router()
    router.addMiddleware { RequestLogger() }
    router.get("/health") { _, _ in Health.current }
    let transport = TransportGuard(publicURL: options.baseURL, allowedOrigins: origins.allowed)
    let mcp = router.group("/mcp")
        .add(middleware: OriginMiddleware(transport: transport))
    MCPEndpoint(server: MCPServer(), transport: transport)
        .addRoutes(to: mcp, path: "")
    return router
}
