import ArgumentParser
import Foundation
import Logging
import WorkshopSupport

/// As which client of the issuer this server exchanges a caller's token for one the calendar API
/// accepts (RFC 8693), and where that API is. Off unless a client id is given. The account-link page
/// signs the browser in as the same client.
struct ExchangeOptions: ParsableArguments, Sendable {
    /// Where the secret comes from when no file is named: the environment, because a command line is
    /// visible to every user of the machine (`ps`).
    static let secretVariable = "EXCHANGE_CLIENT_SECRET"

    @Option(
        name: .customLong("exchange-client-id"),
        help: ArgumentHelp(
            "Turn on calendar_events, as this confidential client of the issuer: the tool exchanges the caller's"
                + " access token at the issuer for a short-lived token for --calendar-url (RFC 8693), and calls the"
                + " calendar with that; the caller's own token is never sent to the calendar. The issuer must allow"
                + " the client to exchange for that audience (the workshop issuer: \"token_exchange\" in its"
                + " --clients-file). Off by default.",
            valueName: "client-id"))
    var clientID: String?

    @Option(
        name: .customLong("exchange-secret-file"),
        help: ArgumentHelp(
            "A file holding that client's secret. Without it, the secret is read from the environment variable"
                + " \(Self.secretVariable). Never on the command line: every user of the machine can read that (ps).",
            valueName: "file"))
    var secretFile: String?

    @Option(
        name: .customLong("calendar-url"),
        help: ArgumentHelp(
            "The calendar API's resource identifier: the audience asked for (RFC 8707 resource); its events are at <url>/events.",
            valueName: "url"))
    var calendarURL = Self.defaultCalendarURL
    static let defaultCalendarURL = "http://127.0.0.1:9100/calendar"

    init() {}

    func validate() throws {
        if clientID == nil, secretFile != nil {
            throw ValidationError("--exchange-secret-file needs --exchange-client-id: the client the secret belongs to.")
        }
        if let clientID, clientID.isEmpty { throw ValidationError("--exchange-client-id must not be empty.") }
        guard let normalised = PublicURL.normalise(calendarURL), normalised == calendarURL else {
            throw ValidationError(
                "--calendar-url must be an absolute http(s) URL without query, fragment or trailing slash, got '\(calendarURL)'.")
        }
        // The exchanged token goes there: never in clear beyond this machine.
        guard OutboundHTTP.isProtected(calendarURL) else {
            throw ValidationError("--calendar-url must be an https URL (plain http only on this machine), got '\(calendarURL)'.")
        }
    }

    /// Why token exchange cannot be turned on as asked, and what to do about it.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The exchange client these options describe, or nil when exchange is off. It exchanges at the one
    /// trusted issuer: its secret is for that issuer alone, and a caller's token goes to no other.
    func client(issuers: [String], logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(Problem) -> TokenExchangeClient?
    {
        guard let clientID else { return nil }
        guard issuers.count == 1 else {
            throw Problem(description: "--exchange-client-id exchanges tokens at one issuer with one secret: trust exactly one --issuer with it.")
        }
        return TokenExchangeClient(issuer: issuers[0], clientID: clientID, clientSecret: try secret(environment: environment), logger: logger)
    }

    /// The client secret: the file's first line, or the environment variable.
    func secret(environment: [String: String]) throws(Problem) -> String {
        do {
            return try ClientSecret.read(
                clientID: clientID ?? "", file: secretFile, variable: Self.secretVariable, option: "--exchange", environment: environment
            ).secret
        } catch {
            throw Problem(description: error.description)
        }
    }
}
