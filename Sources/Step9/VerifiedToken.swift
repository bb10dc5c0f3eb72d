import Foundation
import WorkshopSupport

/// The claims of an access token that passed every check: who is calling, and what they may do.
struct VerifiedToken: Sendable {
    let subject: String
    let clientID: String?
    /// RFC 9068 §2.2.3: a space-separated `scope` claim.
    let scopes: [String]
    let roles: [String]
    let expiresAt: Date
    let claims: [String: JSONValue]

    init(claims: [String: JSONValue], subject: String, expiresAt: Date) {
        self.subject = subject
        self.expiresAt = expiresAt
        self.claims = claims
        clientID = claims["client_id"]?.stringValue
        scopes = claims["scope"]?.stringValue?.split(separator: " ").map(String.init) ?? []
        roles = claims["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
