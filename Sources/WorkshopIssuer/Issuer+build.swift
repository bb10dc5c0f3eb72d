import Foundation
import Hummingbird
import WorkshopSupport

/// Runs the issuer until it is stopped; a port that is already taken is said for a person.
public func runIssuer(_ options: IssuerOptions) async throws {
    let app = try buildIssuerApplication(options)
    do {
        try await app.runService()
    } catch where "\(error)".localizedCaseInsensitiveContains("address already in use") {
        throw IssuerStartFailure(description: "\(options.host):\(options.port): address already in use. Is an issuer already running? Choose another --port.")
    }
}

/// Why the issuer could not start, said for a person.
public struct IssuerStartFailure: Error, CustomStringConvertible {
    public let description: String
}

/// The issuer as an application: the routes, where it listens, and the banner it prints once it does.
func buildIssuerApplication(_ options: IssuerOptions) throws -> some ApplicationProtocol {
    let server = options.server
    let settings = try options.settings()
    let desk = try TokenDesk.open(options.keys.files)
    let announce = server.announce(
        "Workshop issuer",
        urls: [
            ("Issuer", ""), ("Metadata", IssuerMetadata.paths[0]), ("Sign-in page", IssuerMetadata.endpoints.authorize),
            ("JWKS", IssuerMetadata.endpoints.jwks),
        ])
    return Application(
        router: buildIssuerRouter(settings: settings, desk: desk),
        configuration: server.applicationConfiguration(serverName: "workshop-issuer"),
        onServerRunning: { channel in
            await announce(channel)
            print("  Resources: \(settings.resources.joined(separator: ", "))")
            print("  Demo users (no passwords): \(DemoUser.all.map(\.label).joined(separator: ", "))")
            if !settings.clients.isEmpty { print("  Configured clients: \(settings.clients.map(\.id).joined(separator: ", "))") }
            let documents = settings.documents
            if !documents.trustedHosts.isEmpty {
                print("  CIMD hosts trusted on private or loopback addresses (--cimd-trusted-host): \(documents.trustedHosts.sorted().joined(separator: ", "))")
            }
            if let file = options.documentCAFile { print("  CIMD fetches also trust the CA certificates in \(file) (--cimd-ca-file)") }
            print("  Clients, codes and tokens live in memory only: a restart forgets them.")
            fflush(nil)
        },
        logger: server.makeLogger(label: "workshop-issuer")
    )
}

/// Every route of the issuer, in one place.
func buildIssuerRouter(settings: IssuerSettings, desk: TokenDesk) -> Router<BasicRequestContext> {
    let registry = ClientRegistry(settings: settings)
    let clients = ClientDirectory(settings: settings, registry: registry)
    let store = GrantStore(settings: settings)
    let authenticator = ClientAuthenticator(settings: settings, clients: clients)
    let reader = AccessTokenReader(desk: desk)
    let metadata = IssuerMetadata(settings: settings)
    let authorize = AuthorizeEndpoint(settings: settings, clients: clients, store: store, signInGuard: SignInGuard(settings: settings))
    let token = TokenEndpoint(
        settings: settings, authenticator: authenticator, registry: registry, store: store,
        minter: AccessTokenMinter(desk: desk, settings: settings))
    let register = RegistrationEndpoint(settings: settings, registry: registry)
    let introspect = IntrospectionEndpoint(settings: settings, authenticator: authenticator, store: store, reader: reader)
    let revoke = RevocationEndpoint(settings: settings, authenticator: authenticator, store: store, reader: reader)
    let endpoints = IssuerMetadata.endpoints

    let router = Router()
    router.addMiddleware { RequestLogger() }
    router.addMiddleware { OriginPolicy(origin: PublicURL.origin(of: settings.issuer) ?? settings.issuer) }
    router.get("/health") { _, _ in IssuerReply.json(["status": "ok", "server": "workshop-issuer"], cache: "no-cache") }
    for path in IssuerMetadata.paths {
        router.get(RouterPath(stringLiteral: path)) { _, _ in metadata.response() }
    }
    router.get(RouterPath(stringLiteral: endpoints.jwks)) { _, _ in IssuerReply.json(desk.jwks, cache: "no-cache") }
    router.get(RouterPath(stringLiteral: endpoints.authorize)) { request, context in await authorize.show(request, context: context) }
    router.post(RouterPath(stringLiteral: endpoints.authorize)) { request, context in await authorize.decide(request, context: context) }
    router.post(RouterPath(stringLiteral: endpoints.token)) { request, context in await token.handle(request, context: context) }
    router.post(RouterPath(stringLiteral: endpoints.register)) { request, context in await register.handle(request, context: context) }
    router.post(RouterPath(stringLiteral: endpoints.introspect)) { request, context in await introspect.handle(request, context: context) }
    router.post(RouterPath(stringLiteral: endpoints.revoke)) { request, context in await revoke.handle(request, context: context) }
    return router
}
