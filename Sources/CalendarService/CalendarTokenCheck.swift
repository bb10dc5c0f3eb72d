import Crypto
import CryptoExtras
import Foundation
import HTTPTypes
import WorkshopSupport

/// Decides whether a request may read the calendar, one check at a time: a bearer token in the header
/// (RFC 6750 §2.1), an RS256 `at+jwt` signed by the one trusted issuer (RFC 9068 §4, RFC 8725 §3.1),
/// for this calendar's audience (RFC 8707), in its time window; then whether this calendar serves
/// its actor (RFC 8693 §4.1) and its scope.
struct CalendarTokenCheck: Sendable {
    let settings: CalendarSettings
    /// Clock skew tolerated on `exp` and `nbf`, in seconds, as the MCP server allows.
    let leeway: TimeInterval = 60
    /// Tokens longer than this are refused before anything parses them.
    static let maxTokenLength = 8192

    /// Who asks: the user the token names, and the client acting for them when it was exchanged.
    struct Caller: Sendable, Equatable {
        let issuer: String
        let subject: String
        /// `act.sub`: the client that exchanged the user's token for this one (RFC 8693 §4.1); nil when none did.
        let actor: String?
    }

    func caller(_ headers: HTTPFields, now: Date = Date()) throws(CalendarRefusal) -> Caller {
        let claims = try verifiedClaims(try Self.bearerToken(headers), now: now.timeIntervalSince1970)
        let subject = claims["sub"]?.stringValue ?? ""
        let actor = try acceptedActor(claims)
        // RFC 9068 §2.2: sub == client_id is a client acting for itself; no person, so no calendar.
        if actor == nil, claims["client_id"]?.stringValue == subject {
            throw CalendarRefusal(.notAllowed, "A client acting on its own behalf has no calendar; a person's token is needed")
        }
        let scopes = claims["scope"]?.stringValue?.split(separator: " ") ?? []
        guard scopes.contains(Substring(CalendarSettings.scope)) else {
            throw CalendarRefusal(.insufficientScope, "Reading the calendar needs the scope \(CalendarSettings.scope)")
        }
        return Caller(issuer: settings.issuer, subject: subject, actor: actor)
    }

    /// The one bearer token of the `Authorization` header (RFC 6750 §2.1); never the query or the body.
    static func bearerToken(_ headers: HTTPFields) throws(CalendarRefusal) -> String {
        let values = headers[values: .authorization]
        guard let value = values.first else { throw CalendarRefusal(.noToken, "This endpoint needs a bearer token.") }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        guard HTTPSyntax.equalsIgnoringCase(parts[0], "bearer") else {
            throw CalendarRefusal(.noToken, "This endpoint needs a bearer token.", log: "another authentication scheme")
        }
        let token = HTTPSyntax.trimmingWhitespace(parts.count == 2 ? parts[1] : "")
        guard values.count == 1, token.utf8.count <= maxTokenLength, HTTPSyntax.isToken68(token) else {
            throw CalendarRefusal(.invalidToken, "The Authorization header does not hold one well-formed bearer token")
        }
        return String(token)
    }

    /// The claims of a token that passed every check of RFC 9068 §4, or why it did not.
    func verifiedClaims(_ token: String, now: TimeInterval) throws(CalendarRefusal) -> [String: JSONValue] {
        // JWS compact serialization: exactly three base64url parts (RFC 7515 §7.1).
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Self.jsonObject(parts[0]), let claims = Self.jsonObject(parts[1]),
            let signature = Base64URL.decode(parts[2]), !signature.isEmpty
        else { throw invalid("The access token is not a well-formed signed JWT") }

        // Only the algorithm and type we expect, never what the token asks for (RFC 8725 §2.1, §3.1, §3.11).
        let type = header["typ"]?.stringValue?.lowercased() ?? ""
        guard header["alg"] == "RS256", type == "at+jwt" || type == "application/at+jwt", header["crit"] == nil else {
            throw invalid("The access token is not an RS256 access token of type at+jwt", log: "header \(JSONValue.object(header).jsonText)")
        }
        // The keys are the trusted issuer's own, from the token desk; jwk, jku and x5u in a header are never followed.
        let digest = SHA256.hash(data: Data("\(parts[0]).\(parts[1])".utf8))
        guard settings.keys.contains(where: { $0.isValidSignature(.init(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5) })
        else { throw invalid("The access token's signature does not verify with the trusted issuer's key") }

        guard claims["iss"] == .string(settings.issuer) else {
            throw invalid("The access token is from an issuer this calendar does not trust", log: "iss \(claims["iss"]?.jsonText ?? "missing")")
        }
        // RFC 8707 and RFC 9068 §4 step 4: a token for another resource (the MCP server's, passed through) is not ours.
        let audiences = claims["aud"]?.arrayValue ?? claims["aud"].map { [$0] } ?? []
        guard audiences.contains(.string(settings.resource)) else {
            throw invalid(
                "The access token is for another audience; this calendar is \(settings.resource)", log: "aud \(claims["aud"]?.jsonText ?? "missing")")
        }
        guard let expiry = Self.numericDate(claims["exp"]) else { throw invalid("The access token has no exp, or not a number") }
        guard now < expiry + leeway else { throw invalid("The access token expired") }
        if let notBefore = claims["nbf"] {
            guard let notBefore = Self.numericDate(notBefore), notBefore <= now + leeway else { throw invalid("The access token is not valid yet") }
        }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty else { throw invalid("The access token has no sub") }
        return claims
    }

    /// The actor of a delegated token, when this calendar accepts it (RFC 8693 §4.1: only the current
    /// actor, `act.sub`, counts for access control; nested prior actors are informational).
    func acceptedActor(_ claims: [String: JSONValue]) throws(CalendarRefusal) -> String? {
        let act = claims["act"]
        guard !settings.allowedActors.isEmpty else {
            guard act == nil else {
                throw CalendarRefusal(.notAllowed, "This calendar accepts no delegated tokens (act); send a token issued to the user for it")
            }
            return nil
        }
        let allowed = settings.allowedActors.joined(separator: ", ")
        guard let act else {
            throw CalendarRefusal(
                .notAllowed, "This calendar accepts only tokens that \(allowed) got by token exchange for the user (RFC 8693 act); this one has no act")
        }
        guard let actor = act["sub"]?.stringValue, settings.allowedActors.contains(actor) else {
            throw CalendarRefusal(
                .notAllowed, "This calendar accepts only tokens that \(allowed) got by token exchange; this one's actor is another",
                log: "act \(act.jsonText)")
        }
        return actor
    }

    func invalid(_ message: String, log: String? = nil) -> CalendarRefusal {
        CalendarRefusal(.invalidToken, message, log: log)
    }

    /// A NumericDate is a JSON number of seconds (RFC 7519 §2).
    static func numericDate(_ value: JSONValue?) -> TimeInterval? {
        switch value {
        case .int(let seconds)?: TimeInterval(seconds)
        case .double(let seconds)? where seconds.isFinite: seconds
        default: nil
        }
    }

    static func jsonObject(_ part: Substring) -> [String: JSONValue]? {
        // A name given twice is refused: which value counts would depend on the parser (RFC 7519 §4).
        Base64URL.decode(part).flatMap { try? JSONValue(parsingUniqueKeys: $0) }?.objectValue
    }
}
