import WorkshopSupport

/// The claims of an RFC 9068 access token (§2.2), built in one place for the desk's `mint` and the
/// issuer's token endpoint, so that the steps see the same token from both.
public struct AccessTokenClaims: Sendable {
    /// The person a token speaks for: `preferred_username` and `roles`. A client acting for itself has neither.
    public struct User: Sendable {
        public let name: String
        public let roles: [String]

        public init(name: String, roles: [String]) {
            self.name = name
            self.roles = roles
        }
    }

    public let issuer: String
    /// The user's name, or the client's id when no user is involved (RFC 9068 §2.2).
    public let subject: String
    public let audience: String
    public let clientID: String
    public let scopes: [String]
    public let issuedAt: Int
    public let expiresAt: Int
    public let jti: String
    public let user: User?
    /// The client acting for the subject, for a token issued by token exchange: the `act` claim (RFC 8693 §4.1).
    public let actor: String?

    public init(
        issuer: String, subject: String, audience: String, clientID: String, scopes: [String], issuedAt: Int, expiresAt: Int,
        jti: String, user: User?, actor: String? = nil
    ) {
        (self.issuer, self.subject, self.audience, self.clientID) = (issuer, subject, audience, clientID)
        (self.scopes, self.issuedAt, self.expiresAt, self.jti, self.user) = (scopes, issuedAt, expiresAt, jti, user)
        self.actor = actor
    }

    /// The claim set: iss, sub, aud, exp, iat, nbf, jti, client_id and scope (a space-separated string),
    /// and `act` when a client acts for the subject; NumericDates are whole seconds.
    public var json: JSONValue {
        var claims: [String: JSONValue] = [
            "iss": .string(issuer), "sub": .string(subject), "aud": .string(audience),
            "exp": .int(expiresAt), "iat": .int(issuedAt), "nbf": .int(issuedAt), "jti": .string(jti),
            "client_id": .string(clientID), "scope": .string(scopes.joined(separator: " ")),
        ]
        if let user {
            claims["roles"] = .array(user.roles.map { .string($0) })
            claims["preferred_username"] = .string(user.name)
        }
        if let actor { claims["act"] = ["sub": .string(actor)] }
        return .object(claims)
    }
}
