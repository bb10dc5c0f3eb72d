import Hummingbird
import WorkshopSupport

/// `POST /introspect` (RFC 7662): for the resource servers the operator allows (`"introspection": true`
/// in the clients file, §4), whether a token is active and what it grants. Anything unknown, expired or
/// revoked, and a refresh token issued to another client, is just `{"active": false}` (§2.2).
struct IntrospectionEndpoint: Sendable {
    let settings: IssuerSettings
    let authenticator: ClientAuthenticator
    let store: GrantStore
    let reader: AccessTokenReader

    func handle(_ request: Request, context: some RequestContext) async -> Response {
        do throws(OAuthError) {
            let (form, client) = try await authenticator.authenticatedForm(request, limit: settings.limits.bodyBytes)
            guard client.isConfidential else {
                throw OAuthError.clientAuthentication("Introspection is for confidential clients (RFC 7662 §2.1).")
            }
            // §4: answering anyone who can register would let them scan for tokens and read who holds them.
            guard client.mayIntrospect else {
                throw OAuthError(
                    OAuthError.unauthorizedClient,
                    "Only a resource server configured for introspection in --clients-file may introspect tokens.",
                    status: .forbidden)
            }
            guard let token = try form.value("token") else { throw OAuthError(OAuthError.invalidRequest, "token is required.") }
            let answer = await introspect(token, for: client.id)
            context.logger.info("Introspected a token", metadata: ["client_id": "\(client.id)", "active": "\(answer["active"] == true)"])
            return IssuerReply.json(answer)
        } catch {
            context.logger.info("Introspection refused", metadata: ["error": "\(error.code)", "reason": "\(error.logReason)"])
            return IssuerReply.error(error)
        }
    }

    func introspect(_ token: String, for clientID: String) async -> JSONValue {
        let now = settings.now()
        // A refresh token is a matter between the issuer and its client alone (RFC 6749 §10.4).
        if let grant = await store.grant(ofRefreshToken: token) {
            guard grant.clientID == clientID else { return ["active": false] }
            var answer: [String: JSONValue] = [
                "active": true, "token_type": "refresh_token", "scope": .string(ScopeList.text(grant.scopes)),
                "client_id": .string(grant.clientID), "sub": .string(grant.subject), "iss": .string(settings.issuer),
                "aud": grant.resources.count == 1 ? .string(grant.resources[0]) : .array(grant.resources.map { .string($0) }), "exp": .int(grant.refreshExpiresAt), "iat": .int(grant.refreshIssuedAt),
            ]
            if let user = grant.user { answer["username"] = .string(user.name) }
            return .object(answer)
        }
        guard let claims = reader.claims(of: token, issuer: settings.issuer), let exp = claims["exp"]?.intValue, exp > now,
            (claims["nbf"]?.intValue ?? now) <= now + 60, let jti = claims["jti"]?.stringValue, await store.isActive(jti: jti)
        else { return ["active": false] }
        var answer: [String: JSONValue] = ["active": true, "token_type": "Bearer"]
        for name in ["scope", "client_id", "exp", "iat", "nbf", "sub", "aud", "iss", "jti"] { answer[name] = claims[name] }
        if let username = claims["preferred_username"] { answer["username"] = username }
        return .object(answer)
    }
}
