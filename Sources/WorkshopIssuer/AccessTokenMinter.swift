import WorkshopSupport

/// Turns what the store issued into an RFC 9068 access token signed by the desk, and the token response (RFC 6749 §5.1).
struct AccessTokenMinter: Sendable {
    let desk: TokenDesk
    let settings: IssuerSettings

    /// For a user also roles and preferred_username; for a client acting for itself, neither.
    func claims(for issued: GrantStore.Issued) -> AccessTokenClaims {
        AccessTokenClaims(
            issuer: settings.issuer, subject: issued.grant.subject, audience: issued.resource, clientID: issued.grant.clientID,
            scopes: issued.scopes, issuedAt: issued.expiresAt - settings.tokenLifetime, expiresAt: issued.expiresAt,
            jti: issued.jti, user: issued.grant.user.map { AccessTokenClaims.User(name: $0.name, roles: $0.roles) })
    }

    /// The successful token response; the refresh token only when one was issued.
    func response(for issued: GrantStore.Issued) throws -> JSONValue {
        var body: [String: JSONValue] = [
            "access_token": .string(try desk.sign(claims(for: issued))), "token_type": "Bearer",
            "expires_in": .int(settings.tokenLifetime), "scope": .string(ScopeList.text(issued.scopes)),
        ]
        if let refreshToken = issued.refreshToken { body["refresh_token"] = .string(refreshToken) }
        return .object(body)
    }
}
