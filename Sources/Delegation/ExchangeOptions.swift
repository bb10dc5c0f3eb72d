import ArgumentParser
import Foundation
import WorkshopSupport

/// The one confidential client this server is at the workshop issuer: it exchanges tokens (RFC 8693)
/// and signs the browser in on the account-link page. Off unless a client id is given.
struct ExchangeOptions: ParsableArguments, Sendable {
    /// Where the secret comes from when no file is named: a command line is visible to every user (`ps`).
    static let secretVariable = "EXCHANGE_CLIENT_SECRET"

    @Option(
        name: .customLong("exchange-client-id"),
        help: ArgumentHelp(
            "This server's confidential client at the workshop issuer: it exchanges the caller's token for one of"
                + " the calendar API (RFC 8693), and signs the browser in on the account-link page.",
            valueName: "client-id"))
    var clientID: String?

    @Option(
        name: .customLong("exchange-secret-file"),
        help: ArgumentHelp(
            "A file holding that client's secret. Without it, the secret is read from \(Self.secretVariable).",
            valueName: "file"))
    var secretFile: String?

    @Option(
        name: .customLong("calendar-url"),
        help: ArgumentHelp("The calendar API of the workshop issuer's domain (its resource identifier).", valueName: "url"))
    var calendarURL = "http://127.0.0.1:9100/calendar"

    init() {}

    func validate() throws {
        if clientID == nil, secretFile != nil {
            throw ValidationError("--exchange-secret-file needs --exchange-client-id: the client the secret belongs to.")
        }
        if let clientID, clientID.isEmpty { throw ValidationError("--exchange-client-id must not be empty.") }
        guard PublicURL.normalise(calendarURL) != nil else {
            throw ValidationError("--calendar-url must be an absolute http(s) URL, got '\(calendarURL)'.")
        }
    }

    /// Why the client's secret cannot be read, and what to do about it.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The client secret: the file's first line, or the environment variable.
    func secret(environment: [String: String]) throws(Problem) -> String {
        do throws(ClientSecret.Problem) {
            return try ClientSecret.read(
                clientID: clientID ?? "", file: secretFile, variable: Self.secretVariable, option: "--exchange", environment: environment
            ).secret
        } catch {
            throw Problem(description: error.description)
        }
    }
}
