import Foundation
import WorkshopSupport

/// The claims of an access token that passed every check: who is calling, and what they may do.
struct VerifiedToken: Sendable {
    /// Whether a person stands behind the token, or a client acting on its own behalf.
    enum Kind: String, Sendable {
        case person, machine
    }

    /// RFC 9068 §2.2: `sub` is unique only within its issuer, so a caller is the pair (`iss`, `sub`).
    let issuer: String
    let subject: String
    let clientID: String?
    /// RFC 9068 §2.2.3: a space-separated `scope` claim.
    let scopes: [String]
    let roles: [String]
    let expiresAt: Date
    let claims: [String: JSONValue]
    /// The token itself, for a token exchange at its issuer and nothing else (chapter 12).
    var accessToken: CallerAccessToken?

    init(claims: [String: JSONValue], subject: String, expiresAt: Date) {
        self.subject = subject
        self.expiresAt = expiresAt
        self.claims = claims
        issuer = claims["iss"]?.stringValue ?? ""
        clientID = claims["client_id"]?.stringValue
        scopes = claims["scope"]?.stringValue?.split(separator: " ").map(String.init) ?? []
        roles = claims["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// RFC 9068 §2.2: a client acting on its own behalf (client credentials, RFC 6749 §4.4) gets a
    /// token whose `sub` is its own `client_id`; no person stands behind it.
    var kind: Kind { subject == clientID ? .machine : .person }
}
