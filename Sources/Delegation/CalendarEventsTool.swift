import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import WorkshopSupport

/// `calendar_events`: the caller's events from the calendar API, read with a token the issuer issued
/// for the calendar by token exchange (RFC 8693), never with the caller's own token: a server must not
/// pass its client's token on to another API, and that API must not accept a token issued for someone
/// else (MCP security best practices, "Token Passthrough"; MCP authorization, "Access Token Privilege Restriction").
struct CalendarEventsTool: Sendable {
    static let name = "calendar_events"
    /// The scope asked for: reading, and nothing more the calendar might offer (least privilege).
    static let scope = "calendar:read"
    static let timeout: TimeAmount = .seconds(5)
    static let maxAnswerSize = 64 * 1024
    static let machineRefusal =
        "Calendars belong to people, and this token has none behind it: the client got it for itself (client credentials)."
        + " Use a token from a person's sign-in to read a calendar."

    /// Nil when the server runs without `--exchange-client-id`.
    let exchange: TokenExchangeClient?
    /// The calendar's resource identifier (`--calendar-url`); its events are at `<calendarURL>/events`.
    let calendarURL: String

    /// The tool without an exchange client: it answers how to turn it on.
    static let off = CalendarEventsTool(exchange: nil, calendarURL: ExchangeOptions.defaultCalendarURL)

    init(exchange: TokenExchangeClient?, calendarURL: String) {
        (self.exchange, self.calendarURL) = (exchange, calendarURL)
    }

    init(options: ExchangeOptions, issuers: [String], logger: Logger) throws(ExchangeOptions.Problem) {
        self.init(exchange: try options.client(issuers: issuers, logger: logger), calendarURL: options.calendarURL)
        if let exchange {
            logger.info("calendar_events exchanges tokens", metadata: ["client_id": "\(exchange.clientID)", "issuer": "\(exchange.issuer)", "calendar": "\(calendarURL)"])
        }
    }

    /// Runs the tool if `params` names it; nil otherwise.
    func call(_ params: [String: JSONValue], caller: VerifiedToken?, logger: Logger) async -> [String: JSONValue]? {
        guard params["name"] == .string(Self.name) else { return nil }
        guard let caller else { return UserTools.failure("Sign in first.") }
        guard [nil, .null, .object([:])].contains(params["arguments"]) else {
            return UserTools.failure("calendar_events takes no arguments: whose calendar it reads comes from your token.")
        }
        guard caller.kind == .person else { return UserTools.failure(Self.machineRefusal) }
        guard let exchange else {
            return UserTools.failure(
                "calendar_events is not configured on this server. Its operator starts it with --exchange-client-id, the"
                    + " client's secret in --exchange-secret-file or \(ExchangeOptions.secretVariable), and --calendar-url.")
        }
        // The caller's token goes to the issuer that issued it, and to no other.
        guard caller.issuer == exchange.issuer, let subjectToken = caller.accessToken else {
            return UserTools.failure("calendar_events exchanges tokens at \(exchange.issuer) only; your token is from \(caller.issuer).")
        }
        do throws(TokenExchangeClient.Failure) {
            let token = try await exchange.exchange(subjectToken, resource: calendarURL, scope: Self.scope)
            logger.debug("Exchanged the caller's token for the calendar", metadata: ["audience": "\(calendarURL)"])
            return ToolRunner.success(try await events(with: token))
        } catch {
            logger.info("calendar_events failed", metadata: ["reason": "\(error.description)"])
            return UserTools.failure(error.message)
        }
    }

    /// `GET <calendar>/events` with the exchanged token, the only token this server sends the calendar.
    func events(with token: String) async throws(TokenExchangeClient.Failure) -> JSONValue {
        let url = calendarURL + "/events"
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        let status: UInt
        let answer: JSONValue?
        do {
            let (code, body) = try await OutboundHTTP.send(request, timeout: Self.timeout, upTo: Self.maxAnswerSize)
            status = code
            answer = try? JSONValue(parsing: Data(body.readableBytesView))
        } catch {
            throw TokenExchangeClient.Failure("The calendar API at \(calendarURL) could not be reached; try again shortly.", log: "could not reach \(url): \(error)")
        }
        guard status == 200, let answer, answer.objectValue != nil else {
            let said = answer?["error_description"]?.stringValue.map { ": \(String($0.prefix(300)))" } ?? ""
            throw TokenExchangeClient.Failure(
                "The calendar API refused the token the issuer gave for you (HTTP \(status)\(said)).",
                log: "\(url) answered \(status)\(said)")
        }
        return answer
    }

    /// Lists show only what the caller may use: a machine sees no calendar.
    static func isVisible(_ tool: JSONValue, to caller: VerifiedToken?) -> Bool {
        caller?.kind != .machine || tool["name"] != .string(name)
    }
}
