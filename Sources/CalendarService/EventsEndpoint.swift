import Hummingbird
import Logging
import WorkshopSupport

/// `GET /calendar/events`: the caller's own events, once the token check lets the request in.
struct EventsEndpoint: Sendable {
    let settings: CalendarSettings
    var check: CalendarTokenCheck { CalendarTokenCheck(settings: settings) }

    func handle(_ request: Request, context: some RequestContext) -> Response {
        let caller: CalendarTokenCheck.Caller
        do {
            caller = try check.caller(request.headers)
        } catch {
            // The reason, never the token (Principle 7).
            let level: Logger.Level = error.kind == .noToken ? .debug : .info
            context.logger.log(level: level, "\(error.status.code): token refused", metadata: ["reason": "\(error)"])
            return error.response(metadataURL: settings.metadataURL)
        }
        context.logger.info("Events read", metadata: ["sub": "\(caller.subject)", "act": "\(caller.actor ?? "none")"])
        let body: JSONValue = [
            "calendar": .string(settings.name),
            "owner": ["issuer": .string(caller.issuer), "subject": .string(caller.subject)],
            "events": DemoEvents.events(of: caller.subject),
            "via": caller.actor.map { .string($0) } ?? .null,
        ]
        return CalendarService.json(body, headers: [.cacheControl: "no-store"])
    }
}
