import Hummingbird

/// Hummingbird's request context plus the caller's verified token.
struct MCPRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Set by `BearerAuthMiddleware` once the token has passed every check; nil on public routes.
    var token: VerifiedToken?

    init(source: Source) {
        coreContext = .init(source: source)
        token = nil
    }
}
