import Foundation
import Hummingbird
import WorkshopSupport

/// RFC 8693 token exchange, for a confidential client the operator allowed (`TokenExchangePolicy`): the
/// user's access token to this client becomes a short-lived token for another API, never wider, with
/// the client named in `act` (§4.1). No refresh token: the client exchanges again when it needs to.
extension TokenEndpoint {
    /// Seconds an exchanged token lives at most; never beyond its subject token either.
    static let exchangedTokenLifetime = 60

    /// RFC 8693 §2.1-2.2: the response of §2.2.1, or an error of §2.2.2 (thrown, answered by `handle`).
    func exchangeToken(_ form: FormParameters, client: RegisteredClient, context: some RequestContext) async throws -> Response {
        guard client.isConfidential, client.allows(grant: TokenExchangePolicy.grantType), let policy = client.tokenExchange else {
            throw OAuthError(
                OAuthError.unauthorizedClient,
                "This client may not use token exchange: the operator allows it in --clients-file (grant_types and token_exchange).")
        }
        guard try form.value("actor_token") == nil, try form.value("actor_token_type") == nil else {
            throw OAuthError(OAuthError.invalidRequest, "actor_token is not supported: the authenticated client is the actor.")
        }
        if let wanted = try form.value("requested_token_type"), wanted != TokenExchangePolicy.accessTokenType {
            throw OAuthError(OAuthError.invalidRequest, "requested_token_type may only be \(TokenExchangePolicy.accessTokenType).")
        }
        let target = try exchangeTarget(form, policy: policy)
        let subject = try await SubjectToken.read(
            form, audience: policy.subjectAudience, reader: AccessTokenReader(desk: minter.desk), store: store, settings: settings)
        let scopes = try exchangeScopes(form, map: policy.targets[target] ?? [:], subject: subject)

        let now = settings.now()
        let expiresAt = min(now + Self.exchangedTokenLifetime, subject.expiresAt)
        let jti = UUID().uuidString
        try await store.record(exchanged: jti, clientID: client.id, subjectJTI: subject.jti, expiresAt: expiresAt)
        let claims = AccessTokenClaims(
            issuer: settings.issuer, subject: subject.subject, audience: target, clientID: client.id, scopes: scopes, issuedAt: now,
            expiresAt: expiresAt, jti: jti, user: subject.user, actor: client.id)
        let token = try minter.desk.sign(claims)
        await registry.gotToken(client.id)
        context.logger.info(
            "Issued an access token",
            metadata: [
                "grant_type": "\(TokenExchangePolicy.grantType)", "client_id": "\(client.id)", "act": "\(client.id)",
                "sub": "\(subject.subject)", "aud": "\(target)", "scope": "\(ScopeList.text(scopes))", "jti": "\(jti)",
                "refresh_token": "no",
            ])
        // RFC 8693 §2.2.1: issued_token_type is required, and token_type is Bearer for an access token.
        return IssuerReply.json([
            "access_token": .string(token), "issued_token_type": .string(TokenExchangePolicy.accessTokenType),
            "token_type": "Bearer", "expires_in": .int(expiresAt - now), "scope": .string(ScopeList.text(scopes)),
        ])
    }

    /// The one audience asked for by `resource` (RFC 8707 §2) or `audience` (RFC 8693 §2.1), if the policy lists it.
    func exchangeTarget(_ form: FormParameters, policy: TokenExchangePolicy) throws(OAuthError) -> String {
        func refused(_ text: String) -> OAuthError { OAuthError(OAuthError.invalidTarget, text) }
        let named = ["resource", "audience"].map { form.values[$0, default: []].filter { !$0.isEmpty } }
        guard named.allSatisfy({ $0.count <= 1 }) else { throw refused("Name one target per exchange: one resource (or audience).") }
        let (resource, audience) = (named[0].first, named[1].first)
        guard let target = resource ?? audience else {
            throw OAuthError(OAuthError.invalidRequest, "resource is required: the URL of the API the new token is for (RFC 8707).")
        }
        guard resource == nil || audience == nil || resource == audience else {
            throw refused("resource and audience name different targets: send one of them, or the same URL in both.")
        }
        if resource != nil, URLComponents(string: target)?.scheme == nil || target.contains("#") {
            throw refused("resource must be an absolute URL without a fragment (RFC 8707, section 2).")
        }
        guard policy.targets[target] != nil else {
            throw refused("This client may not exchange tokens for that resource; it may for \(policy.targets.keys.sorted().joined(separator: ", ")).")
        }
        return target
    }

    /// The scopes asked for (all the subject allows when none are), each one the target grants this client,
    /// whose required scope the subject token carries and the user's role allows: never wider than the subject.
    func exchangeScopes(_ form: FormParameters, map: [String: String], subject: SubjectToken) throws(OAuthError) -> [String] {
        func refused(_ text: String) -> OAuthError { OAuthError(OAuthError.invalidScope, text) }
        let offered = ScopeList.supported.filter { map[$0] != nil }
        guard let asked = try ScopeList.requested(form.value("scope")) else {
            let allowed = offered.filter { subject.scopes.contains(map[$0]!) && subject.roleScopes.contains($0) }
            guard !allowed.isEmpty else {
                throw refused("The subject token allows none of the scopes this client may get for that resource (\(ScopeList.text(offered))).")
            }
            return allowed
        }
        for scope in asked {
            guard let required = map[scope] else { throw refused("For that resource this client may get only \(ScopeList.text(offered)).") }
            guard subject.scopes.contains(required) else { throw refused("\(scope) needs a subject token with \(required); this one lacks it.") }
            guard subject.roleScopes.contains(scope) else { throw refused("The user's role does not allow \(scope).") }
        }
        return asked
    }
}
