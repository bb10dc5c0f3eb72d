import Hummingbird

/// `POST /revoke` (RFC 7009): a client revokes its own refresh token (and with it the grant's access tokens)
/// or access token (by its `jti`). Unknown and invalid tokens are answered 200 too (§2.2).
struct RevocationEndpoint: Sendable {
    let settings: IssuerSettings
    let authenticator: ClientAuthenticator
    let store: GrantStore
    let reader: AccessTokenReader

    func handle(_ request: Request, context: some RequestContext) async -> Response {
        do throws(OAuthError) {
            let (form, client) = try await authenticator.authenticatedForm(request, limit: settings.limits.bodyBytes)
            guard let token = try form.value("token") else { throw OAuthError(OAuthError.invalidRequest, "token is required.") }
            // token_type_hint only speeds up a search; both kinds are looked for whatever it says (§2.1).
            _ = try form.value("token_type_hint")
            let outcome = try await revoke(token, by: client.id)
            context.logger.info("Revocation request", metadata: ["client_id": "\(client.id)", "outcome": "\(outcome)"])
            return Response(status: .ok, headers: [.cacheControl: "no-store"])
        } catch {
            context.logger.info("Revocation refused", metadata: ["error": "\(error.code)", "reason": "\(error.logReason)"])
            return IssuerReply.error(error)
        }
    }

    /// What was done: "refresh token and its grant", "access token", or "nothing" for a token that is not live.
    func revoke(_ token: String, by clientID: String) async throws(OAuthError) -> String {
        let notYours = OAuthError(OAuthError.unauthorizedClient, "That token was not issued to this client.")
        switch await store.revoke(refreshToken: token, by: clientID) {
        case true: return "refresh token and its grant"
        case false: throw notYours
        case nil: break
        }
        guard let claims = reader.claims(of: token, issuer: settings.issuer), let jti = claims["jti"]?.stringValue, let exp = claims["exp"]?.intValue,
            exp > settings.now()
        else { return "nothing" }
        guard claims["client_id"] == .string(clientID) else { throw notYours }
        try await store.revoke(jti: jti, clientID: clientID, expiresAt: exp)
        return "access token"
    }
}
