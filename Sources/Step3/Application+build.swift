import Hummingbird
import Logging
import WorkshopSupport

/// Builds the application: the router plus where it listens and what it prints at start-up.
func buildApplication(_ options: ServerOptions) -> some ApplicationProtocol {
    let logger = options.makeLogger(label: ServerIdentity.label)
    let router = buildRouter(options)
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
func buildRouter(_ options: ServerOptions) -> Router<BasicRequestContext> {
    let router = Router()
    router.addMiddleware { RequestLogger() }
    router.get("/health") { _, _ in Health.current }
    MCPEndpoint(server: MCPServer(), transport: TransportGuard(publicURL: options.baseURL))
        .addRoutes(to: router)
    return router
}
