import Hummingbird
import Logging
import WorkshopSupport

/// Builds the application: the router plus where it listens and what it prints at start-up.
func buildApplication(
    _ options: ServerOptions, origins: OriginOptions, keyFiles: KeyFiles, auth: AuthOptions, data: DataOptions,
    exchange: ExchangeOptions, partner: PartnerOptions
) async throws -> some ApplicationProtocol {
    let logger = options.makeLogger(label: ServerIdentity.label)
    let trustedKeys = try TrustedKeys.load(from: keyFiles, logger: logger)
    // The key in keys/ is the workshop issuer's; every other issuer's keys come from its metadata.
    let issuerKeys = IssuerKeys(local: (WorkshopDefaults.issuer, trustedKeys), logger: logger)
    let notes = try await NotesStore.open(data, trusting: auth.issuers, logger: logger)
    let introspection = try auth.introspection.client(issuers: auth.issuers, logger: logger)
    let calendar = try CalendarEventsTool(options: exchange, issuers: auth.issuers, logger: logger)
    let linking = try await AccountLinking.open(
        partner: partner, exchange: exchange, data: data, notes: notes, baseURL: options.baseURL, logger: logger)
    let router = buildRouter(
        options, origins: origins, trustedKeys: trustedKeys, issuerKeys: issuerKeys, auth: auth, notes: notes,
        introspection: introspection, calendar: calendar, linking: linking)
    let announce = options.announce(
        ServerIdentity.title,
        urls: [
            ("Health", "/health"), ("MCP endpoint", "/mcp"), ("JWKS", "/.well-known/jwks.json"),
            ("Resource metadata", "/.well-known/oauth-protected-resource/mcp"),
        ]
    )
    return Application(
        router: router,
        configuration: options.applicationConfiguration(serverName: ServerIdentity.label),
        onServerRunning: { channel in
            await announce(channel)
            issuerKeys.prefetch(auth.issuers)
            introspection?.check()
        },
        logger: logger
    )
}

/// Every route of this step, in one place.
func buildRouter(
    _ options: ServerOptions, origins: OriginOptions, trustedKeys: TrustedKeys, issuerKeys: IssuerKeys, auth: AuthOptions, notes: NotesStore,
    introspection: TokenIntrospection? = nil, calendar: CalendarEventsTool = .off, linking: AccountLinking? = nil
) -> Router<MCPRequestContext> {
    let router = Router(context: MCPRequestContext.self)
    router.addMiddleware { RequestLogger() }
    router.get("/health") { _, _ in Health.current }
    router.get("/.well-known/jwks.json") { _, _ in trustedKeys.jwksResponse() }
    // The audience tokens must name: this server's canonical MCP endpoint URI (RFC 8707).
    let verifier = AccessTokenVerifier(
        keys: issuerKeys, issuers: auth.issuers, audience: "\(options.baseURL)/mcp", acceptJWTType: auth.acceptJWTType)
    let metadata = ProtectedResourceMetadata(baseURL: options.baseURL, resourcePath: "/mcp", authorizationServers: auth.issuers)
    // RFC 9728 §3.1 path for /mcp, and the root path that MCP clients try next.
    for path in [metadata.path, "/.well-known/oauth-protected-resource"] {
        router.get(RouterPath(stringLiteral: path)) { _, _ in metadata.response() }
        router.on(RouterPath(stringLiteral: path), method: .options) { _, _ in metadata.preflight() }
    }
    let transport = TransportGuard(publicURL: options.baseURL, allowedOrigins: origins.allowed)
    let mcp = router.group("/mcp")
        .add(middleware: OriginMiddleware(transport: transport))
        .add(middleware: BearerAuthMiddleware(verifier: verifier, metadata: metadata, introspection: introspection))
    let policy = AccessPolicy(defaultRoles: auth.roles)
    let partnerTools = linking.map { PartnerTools(linking: $0) }
    MCPEndpoint(
        server: MCPServer(policy: policy, notes: notes, calendar: calendar, partnerTools: partnerTools), policy: policy, transport: transport,
        metadataURL: metadata.url)
        .addRoutes(to: mcp, path: "")
    // The account-link pages: for a browser, without a bearer token; the sign-in there says who it is.
    if let linking { LinkRoutes(linking: linking, verifier: verifier).addRoutes(to: router) }
    return router
}
