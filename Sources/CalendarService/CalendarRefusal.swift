import Hummingbird
import WorkshopSupport

/// Why a request may not read the calendar: the client is told the kind of problem, the log the
/// details, and neither ever the token (RFC 6750 §3).
public struct CalendarRefusal: Error, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No bearer token at all: 401 with a challenge and no error code (RFC 6750 §3.1).
        case noToken
        /// A token that is malformed, unsigned by the issuer, expired, or for another audience: 401 `invalid_token`.
        case invalidToken
        /// A valid token that this calendar never serves, whatever its scope (a delegation it does not accept): plain 403.
        case notAllowed
        /// A valid token without `calendar:read`: 403 `insufficient_scope` (RFC 6750 §3.1).
        case insufficientScope
    }

    public let kind: Kind
    /// What the client is told: the class of the problem and what to do.
    public let message: String
    /// What the log is told: the details, never the token.
    public let description: String

    init(_ kind: Kind, _ message: String, log description: String? = nil) {
        (self.kind, self.message, self.description) = (kind, message, description ?? message)
    }

    /// 401 when a (valid) token would help, 403 when the token is valid but does not reach this.
    public var status: HTTPResponse.Status {
        switch kind {
        case .noToken, .invalidToken: .unauthorized
        case .notAllowed, .insufficientScope: .forbidden
        }
    }

    /// The answer: a challenge that names the RFC 9728 document where it helps, and a JSON body.
    func response(metadataURL: String) -> Response {
        let scope = CalendarSettings.scope
        var headers: HTTPFields = [.contentType: "application/json"]
        var body: [String: JSONValue] = ["error_description": .string(message)]
        switch kind {
        case .noToken:
            headers[.wwwAuthenticate] = #"Bearer realm="calendar", resource_metadata="\#(metadataURL)", scope="\#(scope)""#
            body = ["message": .string(message)]
        case .invalidToken:
            headers[.wwwAuthenticate] =
                #"Bearer realm="calendar", error="invalid_token", error_description="\#(message)", resource_metadata="\#(metadataURL)""#
            body["error"] = "invalid_token"
        case .notAllowed:
            // No challenge: no token this client could get would change the answer (RFC 9110 §15.5.4).
            body["error"] = "access_denied"
        case .insufficientScope:
            headers[.wwwAuthenticate] =
                #"Bearer realm="calendar", error="insufficient_scope", scope="\#(scope)", resource_metadata="\#(metadataURL)""#
            body["error"] = "insufficient_scope"
        }
        return CalendarService.json(.object(body), status: status, headers: headers)
    }
}
