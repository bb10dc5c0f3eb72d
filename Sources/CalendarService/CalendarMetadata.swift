import Hummingbird
import WorkshopSupport

/// What a client needs to get a token for the calendar, at its well-known URL (RFC 9728 §2-3).
struct CalendarMetadata: Sendable {
    /// RFC 9728 §3.1: the well-known prefix inserted before the resource's path, `/calendar`.
    static let path = "/.well-known/oauth-protected-resource" + CalendarSettings.resourcePath

    let settings: CalendarSettings

    var json: JSONValue {
        [
            "resource": .string(settings.resource),
            "authorization_servers": [.string(settings.issuer)],
            "scopes_supported": [.string(CalendarSettings.scope)],
            "bearer_methods_supported": ["header"],
            "resource_name": .string("Workshop calendar (\(settings.name))"),
        ]
    }

    func response() -> Response {
        CalendarService.json(json, headers: [.cacheControl: "public, max-age=300"])
    }
}
