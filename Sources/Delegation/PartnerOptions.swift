import ArgumentParser
import Foundation
import WorkshopSupport

/// The third-party service users may link their account with: its authorization server, this server's
/// client there, and its calendar API. Linking is off unless a client id is given.
struct PartnerOptions: ParsableArguments, Sendable {
    static let secretVariable = "PARTNER_CLIENT_SECRET"

    @Option(
        name: .customLong("partner-issuer"),
        help: ArgumentHelp("The partner's authorization server (its RFC 8414 issuer identifier).", valueName: "url"))
    var issuer = "http://127.0.0.1:9002"

    @Option(
        name: .customLong("partner-client-id"),
        help: ArgumentHelp(
            "This server's confidential client at the partner: turns on account linking (tool partner_calendar_events),"
                + " which sends the user to the partner by URL elicitation and keeps the partner's tokens here, encrypted.",
            valueName: "client-id"))
    var clientID: String?

    @Option(
        name: .customLong("partner-secret-file"),
        help: ArgumentHelp(
            "A file holding that client's secret. Without it, the secret is read from \(Self.secretVariable).", valueName: "file"))
    var secretFile: String?

    @Option(
        name: .customLong("partner-calendar-url"),
        help: ArgumentHelp("The partner's calendar API (its resource identifier).", valueName: "url"))
    var calendarURL = "http://127.0.0.1:9102/calendar"

    init() {}

    func validate() throws {
        if clientID == nil, secretFile != nil {
            throw ValidationError("--partner-secret-file needs --partner-client-id: the client the secret belongs to.")
        }
        if let clientID, clientID.isEmpty { throw ValidationError("--partner-client-id must not be empty.") }
        for (option, url) in [("--partner-issuer", issuer), ("--partner-calendar-url", calendarURL)] where PublicURL.normalise(url) == nil {
            throw ValidationError("\(option) must be an absolute http(s) URL, got '\(url)'.")
        }
        // The partner's tokens, its codes and this server's secret go there: never in clear beyond this machine.
        for (option, url) in [("--partner-issuer", issuer), ("--partner-calendar-url", calendarURL)] where !OutboundHTTP.isProtected(url) {
            throw ValidationError("\(option) must be an https URL (plain http only on this machine), got '\(url)'.")
        }
    }

    /// The partner as configured, or nil when linking is off.
    func partner(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ClientSecret.Problem) -> Partner? {
        guard let clientID else { return nil }
        let client = try ClientSecret.read(
            clientID: clientID, file: secretFile, variable: Self.secretVariable, option: "--partner", environment: environment)
        return Partner(issuer: issuer, client: client, calendarURL: calendarURL)
    }
}

/// The partner this server links accounts with.
struct Partner: Sendable {
    let issuer: String
    let client: ClientSecret
    let calendarURL: String
    /// What the server asks the partner for: reading the user's calendar, nothing more.
    let scope = "calendar:read"
}
