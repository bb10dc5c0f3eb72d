import Hummingbird
import Logging

/// Logs each request's method and path at debug level, never its query string or headers:
/// a client that wrongly puts a token in the URL must not get it written to the log.
public struct RequestLogger<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        context.logger.debug("request", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)"])
        return try await next(request, context)
    }
}
