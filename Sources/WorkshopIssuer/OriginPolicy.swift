import Foundation
import HTTPTypes
import Hummingbird

/// Which web pages may call which endpoint from a browser (CORS, and the `Origin` a browser sends):
/// anyone may read the metadata and the keys; registration, token and revocation serve browser-based
/// clients on this machine only; introspection is for resource servers, never a page; and `/authorize`
/// is the issuer's own page, which no other origin may read or post to (`SignInGuard`).
struct OriginPolicy<Context: RequestContext>: RouterMiddleware {
    enum Audience {
        case anyone, pagesOnThisMachine, noPages
    }

    /// The issuer's own origin: its pages may call it too.
    let origin: String

    static func audience(of path: String) -> Audience? {
        switch path {
        case _ where path.hasPrefix("/.well-known/"), IssuerMetadata.endpoints.jwks, "/health": .anyone
        case IssuerMetadata.endpoints.register, IssuerMetadata.endpoints.token, IssuerMetadata.endpoints.revoke: .pagesOnThisMachine
        case IssuerMetadata.endpoints.introspect: .noPages
        default: nil
        }
    }

    /// http(s) on localhost, 127.0.0.1 or [::1], any port: the rule Step 2 applies to `/mcp`.
    static func isOnThisMachine(_ origin: String) -> Bool {
        guard let components = URLComponents(string: origin), ["http", "https"].contains(components.scheme ?? ""),
            let host = components.host, components.path.isEmpty, components.query == nil
        else { return false }
        return RedirectURI.isLoopback(host)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let audience = Self.audience(of: request.uri.path), let sender = request.headers[.origin] else {
            return try await next(request, context)
        }
        let preflight = request.method == .options && request.headers[.accessControlRequestMethod] != nil
        let allowed: String
        switch audience {
        case .anyone:
            allowed = "*"
        case .pagesOnThisMachine where sender == origin || Self.isOnThisMachine(sender):
            allowed = sender
        case .pagesOnThisMachine, .noPages:
            context.logger.info("Refused a request from a web page", metadata: ["origin": "\(sender)", "path": "\(request.uri.path)"])
            let what = audience == .noPages ? "no web page" : "only pages on this machine (localhost, 127.0.0.1, [::1])"
            return IssuerReply.error(OAuthError(OAuthError.accessDenied, "\(sender) may not call this endpoint: \(what) may.", status: .forbidden))
        }
        var response = preflight ? Response(status: .noContent) : try await next(request, context)
        response.headers[.accessControlAllowOrigin] = allowed
        if allowed != "*" { response.headers[.vary] = "Origin" }
        if preflight {
            response.headers[.accessControlAllowMethods] = audience == .anyone ? "GET" : "POST"
            response.headers[.accessControlAllowHeaders] = "accept, authorization, content-type"
            response.headers[.accessControlMaxAge] = "600"
        }
        return response
    }
}
