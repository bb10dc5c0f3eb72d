import ArgumentParser
import CalendarService
import Hummingbird
import WorkshopSupport

/// The command line in front of `CalendarService`.
@main
struct CalendarAPI: StepCommand {
    static let configuration = CommandConfiguration(
        commandName: "CalendarAPI",
        abstract: "A small calendar API that trusts an OAuth issuer: a second protected resource (chapter 12).",
        discussion: """
            GET /calendar/events answers the caller's own events (demo data for alice, bob, ada and gus) as JSON: \
            {"calendar", "owner": {"issuer", "subject"}, "events": [{"title", "start"}], "via"}, where via is the \
            client that got the token by token exchange for the user (RFC 8693 act.sub), or null.

            Its resource identifier is <public-url>/calendar (RFC 8707), published at \
            /.well-known/oauth-protected-resource/calendar (RFC 9728). A token is accepted when it is an RS256 \
            at+jwt signed with the issuer's key from --keys-dir, its iss is --issuer, its aud names this \
            calendar, it has not expired, and its scope holds calendar:read; a token for another audience, \
            such as an MCP server's passed on, is refused (401 invalid_token). With --allow-actor, only tokens \
            that such a client got by token exchange (act.sub) are accepted; without it, a token carrying act \
            is refused (403).

            The issuer's public key comes from the token desk: swift run generate_token keys --keys-dir DIR. \
            A demo for your own machine: keep it on 127.0.0.1.
            """
    )

    @OptionGroup var calendar: CalendarOptions

    var options: ServerOptions { calendar.server }

    func run() async throws {
        try await CalendarService.buildApplication(calendar).runService()
    }
}
