import WorkshopSupport

/// The subject token of a token exchange (RFC 8693 §2.1), accepted: an access token this issuer signed,
/// live and not revoked, issued for the exchanging client's own resource, and not itself delegated.
/// Anything else is invalid_request (§2.2.2), with a description saying what to send instead.
struct SubjectToken: Sendable {
    let subject: String
    let scopes: [String]
    let expiresAt: Int
    let jti: String
    /// The person it speaks for (`preferred_username`, `roles`), copied into the new token.
    let user: AccessTokenClaims.User?
    /// What the person's roles allow; nothing for a client acting for itself (`sub` == `client_id`).
    let roleScopes: [String]

    static func read(
        _ form: FormParameters, audience: String, reader: AccessTokenReader, store: GrantStore, settings: IssuerSettings
    ) async throws(OAuthError) -> SubjectToken {
        func invalid(_ text: String) -> OAuthError { OAuthError(OAuthError.invalidRequest, text) }
        let onlyAccessTokens = "subject_token must be the user's access token; a refresh token is never exchanged."
        guard let token = try form.value("subject_token") else {
            throw invalid("subject_token is required: the access token the user's client sent to this client.")
        }
        switch try form.value("subject_token_type") {
        case TokenExchangePolicy.accessTokenType?: break
        case TokenExchangePolicy.refreshTokenType?: throw invalid(onlyAccessTokens)
        case nil: throw invalid("subject_token_type is required: \(TokenExchangePolicy.accessTokenType).")
        case _?: throw invalid("subject_token_type must be \(TokenExchangePolicy.accessTokenType): this issuer exchanges nothing else.")
        }
        // Typed as an access token or not, a refresh token is a matter between the issuer and its client alone.
        if await store.grant(ofRefreshToken: token) != nil { throw invalid(onlyAccessTokens) }
        guard let claims = reader.claims(of: token, issuer: settings.issuer), let subject = claims["sub"]?.stringValue,
            let jti = claims["jti"]?.stringValue, let exp = claims["exp"]?.intValue
        else { throw invalid("subject_token is not an access token this issuer signed: send the one the user's client sent.") }
        let now = settings.now()
        guard exp > now else { throw invalid("subject_token has expired: the user's client must get a fresh one and call again.") }
        guard (claims["nbf"]?.intValue ?? now) <= now + 60 else { throw invalid("subject_token is not valid yet (nbf): check the clocks of this client and the issuer.") }
        guard await store.isActive(jti: jti) else { throw invalid("subject_token was revoked: the user must sign in again.") }
        // A token the user's client sent to another resource was never this client's to hold (MCP: "Confused Deputy").
        guard claims["aud"] == .string(audience) else {
            throw invalid("subject_token was issued for another audience than this client's subject_audience: exchange only tokens sent to this client.")
        }
        guard claims["act"] == nil else {
            throw invalid("subject_token was itself obtained by token exchange (it has act): exchange the user's own access token.")
        }
        let scopes = claims["scope"]?.stringValue.map { $0.split(separator: " ").map(String.init) } ?? []
        let roles = claims["roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let isMachine = claims["client_id"] == .string(subject)
        return SubjectToken(
            subject: subject, scopes: scopes, expiresAt: exp, jti: jti,
            user: claims["preferred_username"]?.stringValue.map { AccessTokenClaims.User(name: $0, roles: roles) },
            roleScopes: isMachine ? [] : Role.scopes(for: roles))
    }
}
