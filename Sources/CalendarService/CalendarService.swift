import Foundation
import Hummingbird
import WorkshopSupport

/// A small calendar API: a protected resource of its own (RFC 9728), with its own audience (RFC 8707),
/// that trusts one issuer and, when told, the clients that act for its users (RFC 8693 §4.1).
public enum CalendarService {
    /// The application `CalendarAPI` runs: the routes, where it listens, and the banner it prints once it does.
    public static func buildApplication(_ options: CalendarOptions) throws -> some ApplicationProtocol {
        let server = options.server
        let settings = try options.settings()
        let logger = server.makeLogger(label: "calendar-api")
        logger.info("Loaded the issuer's public key", metadata: ["issuer": "\(settings.issuer)", "keys": "\(settings.keys.count)"])
        let announce = server.announce(
            "Calendar API (\(settings.name))",
            urls: [("Events", "\(CalendarSettings.resourcePath)/events"), ("Resource metadata", CalendarMetadata.path), ("Health", "/health")])
        return Application(
            router: buildRouter(settings),
            configuration: server.applicationConfiguration(serverName: "calendar-api"),
            onServerRunning: { channel in
                await announce(channel)
                print("  Resource (the audience tokens must name): \(settings.resource)")
                print("  Trusted issuer: \(settings.issuer); scope needed: \(CalendarSettings.scope)")
                if settings.allowedActors.isEmpty {
                    print("  Delegated tokens (act): refused; --allow-actor CLIENT_ID accepts a client's exchanged tokens")
                } else {
                    print("  Delegated tokens (act) accepted only from: \(settings.allowedActors.joined(separator: ", "))")
                }
                fflush(nil)
            },
            logger: logger)
    }

    /// Every route of the calendar, in one place.
    static func buildRouter(_ settings: CalendarSettings) -> Router<BasicRequestContext> {
        let events = EventsEndpoint(settings: settings)
        let metadata = CalendarMetadata(settings: settings)
        let router = Router()
        router.addMiddleware { RequestLogger() }
        router.get("/health") { _, _ in json(["status": "ok", "server": "calendar-api", "calendar": .string(settings.name)]) }
        router.get(RouterPath(stringLiteral: CalendarMetadata.path)) { _, _ in metadata.response() }
        router.get(RouterPath(stringLiteral: "\(CalendarSettings.resourcePath)/events")) { request, context in
            events.handle(request, context: context)
        }
        return router
    }

    /// A JSON answer.
    static func json(_ body: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }
}
