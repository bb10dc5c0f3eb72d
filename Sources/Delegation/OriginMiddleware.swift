import Foundation
import Hummingbird
import WorkshopSupport

/// The `Origin` rule, in front of everything else on `/mcp`: a page from a foreign origin is refused
/// (403, MCP basic/transports), and a page from an allowed one may read the answers (Fetch standard,
/// "CORS protocol"). Tokens travel in `Authorization`, never in cookies: no answer allows credentials.
struct OriginMiddleware<Context: RequestContext>: RouterMiddleware {
    let transport: TransportGuard

    /// The request headers a browser client may send: the transport's and the 2026-07-28 era's.
    static var allowedHeaders: [String] {
        ["Authorization", "Content-Type", "Accept", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name"]
    }

    /// The answer headers a browser client must be able to read: the challenges above all (RFC 6750 §3).
    static var exposedHeaders: String { "WWW-Authenticate, MCP-Protocol-Version" }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do throws(JSONRPCError) {
            try transport.checkOrigin(request.headers)
        } catch {
            return MCPEndpoint.json(JSONRPCResponse.error(error, id: nil), status: error.status)
        }
        // No Origin: not a browser, nothing to allow.
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        // Browsers send the preflight without credentials, so it is answered before any token check.
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return preflight(origin: origin, requestedHeaders: request.headers[.accessControlRequestHeaders])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        return response
    }

    /// 204, and what the request that follows may use. GET and DELETE are allowed so that a
    /// 2025-11-25 client sees their 405, which it understands, rather than a network error.
    func preflight(origin: String, requestedHeaders: String?) -> Response {
        // `Mcp-Param-*` headers are named by the tools' schemas: allow the ones the browser asks for.
        let parameters = (requestedHeaders ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { $0.lowercased().hasPrefix("mcp-param-") && $0.allSatisfy(Self.isNameCharacter) }
        return Response(
            status: .noContent,
            headers: [
                .accessControlAllowOrigin: origin, .vary: "Origin",
                .accessControlAllowMethods: "POST, GET, DELETE",
                .accessControlAllowHeaders: (Self.allowedHeaders + parameters).joined(separator: ", "),
                .accessControlMaxAge: "86400",
            ]
        )
    }

    /// Letters, digits and `-`: the characters of the header names MCP uses (RFC 9110 §5.1 allows more).
    static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "-")
    }
}
