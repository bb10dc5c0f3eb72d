import WorkshopSupport

/// Turns what the store issued into an RFC 9068 access token signed by the desk, and the token response (RFC 6749 §5.1).
struct AccessTokenMinter: Sendable {
    let desk: TokenDesk
    let settings: IssuerSettings

    /// The claims the token desk's Mint writes: for a user also roles and preferred_username; for a client, neither.
    func claims(for issued: GrantStore.Issued) -> JSONValue {
        let issuedAt = issued.expiresAt - settings.tokenLifetime
        var claims: [String: JSONValue] = [
            "iss": .string(settings.issuer), "sub": .string(issued.grant.subject), "aud": .string(issued.resource),
            "exp": .int(issued.expiresAt), "iat": .int(issuedAt), "nbf": .int(issuedAt), "jti": .string(issued.jti),
            "client_id": .string(issued.grant.clientID), "scope": .string(ScopeList.text(issued.scopes)),
        ]
        if let user = issued.grant.user {
            claims["roles"] = .array(user.roles.map { .string($0) })
            claims["preferred_username"] = .string(user.name)
        }
        return .object(claims)
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
