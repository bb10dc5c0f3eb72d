import Foundation

/// Codes, grants, refresh tokens and issued access tokens, in memory only, within limits per client
/// and in all (`IssuerSettings.Limits`, `GrantStore+Room`). Being an actor, it decides each
/// redemption atomically: a code or refresh token is spent exactly once.
actor GrantStore {
    let settings: IssuerSettings
    var codes: [String: AuthorizationCode] = [:]
    var grants: [String: Grant] = [:]
    /// Live refresh token → the id of its grant.
    var refreshTokens: [String: String] = [:]
    /// Spent codes ("code:…") and rotated refresh tokens ("refresh:…") → the grant to revoke if they come back.
    var spent: [String: String] = [:]
    /// Access tokens issued from a grant, and any revoked one, by `jti`. A client_credentials token needs
    /// no record: it has no grant to revoke it with, and an unrecorded token is judged by its signature.
    var accessTokens: [String: AccessRecord] = [:]
    /// What each client holds of the above, so that its limits are counted without a scan.
    var holdings: [String: Holdings] = [:]

    struct Holdings {
        var codes: Set<String> = []
        var grants: Set<String> = []
        var accessTokens: Set<String> = []
        var isEmpty: Bool { codes.isEmpty && grants.isEmpty && accessTokens.isEmpty }
    }

    /// What the token endpoint needs to sign and answer.
    struct Issued: Sendable {
        let grant: Grant
        let scopes: [String]
        let resource: String
        let jti: String
        let expiresAt: Int
        let refreshToken: String?
    }

    init(settings: IssuerSettings) {
        self.settings = settings
    }

    /// Keeps a new code and returns its value: 256 random bits.
    func save(_ code: AuthorizationCode) throws(OAuthError) -> String {
        try makeRoom(for: code.clientID, codes: 1)
        let value = Secret.random()
        add(code: code, value: value)
        return value
    }

    /// Exchanges a code (RFC 6749 §4.1.3): the client gets one try; a code that comes back revokes what it gave.
    func redeem(
        code value: String, clientID: String, refresh: Bool, check: @Sendable (AuthorizationCode) throws(OAuthError) -> Void
    ) throws(OAuthError) -> Issued {
        let now = settings.now()
        if let grantID = spent["code:" + value] {
            revokeGrant(grantID)
            throw OAuthError(OAuthError.invalidGrant, "The authorization code was already used; tokens issued from it are revoked.")
        }
        guard let code = codes[value], code.clientID == clientID, code.expiresAt > now else {
            throw OAuthError(OAuthError.invalidGrant, "The authorization code is unknown, expired, or was issued to another client.")
        }
        try makeRoom(for: clientID, grants: 1, accessTokens: 1)
        remove(code: value)
        try check(code)
        let grantID = Secret.random(bits: 128)
        add(
            grant: Grant(
                clientID: clientID, user: code.user, scopes: code.scopes, resources: [code.resource], issuedAt: now,
                authMethod: code.authMethod, expiresAt: now),
            id: grantID)
        let issued = issue(grantID: grantID, scopes: code.scopes, resource: code.resource, refresh: refresh, now: now)
        markSpent("code:" + value, grantID: grantID)
        return issued
    }

    /// Uses a refresh token (RFC 6749 §6) and rotates it (OAuth 2.1 §4.3.1): a rotated one that comes back revokes the grant.
    func rotate(
        refreshToken value: String, clientID: String,
        check: @Sendable (Grant) throws(OAuthError) -> (scopes: [String], resource: String)
    ) throws(OAuthError) -> Issued {
        let now = settings.now()
        if let grantID = spent["refresh:" + value] {
            revokeGrant(grantID)
            throw OAuthError(OAuthError.invalidGrant, "The refresh token was already used; its grant is revoked.")
        }
        guard let grantID = refreshTokens[value], let grant = grants[grantID], grant.clientID == clientID,
            !grant.revoked, grant.refreshExpiresAt > now
        else { throw OAuthError(OAuthError.invalidGrant, "The refresh token is unknown, expired, revoked, or was issued to another client.") }
        let (scopes, resource) = try check(grant)
        try makeRoom(for: clientID, accessTokens: 1)
        refreshTokens[value] = nil
        markSpent("refresh:" + value, grantID: grantID)
        return issue(grantID: grantID, scopes: scopes, resource: resource, refresh: true, now: now)
    }

    /// An access token a client gets for itself (RFC 6749 §4.4): no grant, no refresh token, no record.
    func issueToClient(_ clientID: String, authMethod: RegisteredClient.AuthMethod, scopes: [String], resource: String) -> Issued {
        let now = settings.now()
        let grant = Grant(
            clientID: clientID, user: nil, scopes: scopes, resources: [resource], issuedAt: now, authMethod: authMethod, expiresAt: now)
        return Issued(
            grant: grant, scopes: scopes, resource: resource, jti: UUID().uuidString, expiresAt: now + settings.tokenLifetime,
            refreshToken: nil)
    }

    private func issue(grantID: String, scopes: [String], resource: String, refresh: Bool, now: Int) -> Issued {
        let jti = UUID().uuidString
        let expiresAt = now + settings.tokenLifetime
        add(access: AccessRecord(clientID: grants[grantID]!.clientID, grantID: grantID, expiresAt: expiresAt), jti: jti)
        var grant = grants[grantID]!
        var refreshToken: String?
        if refresh {
            let token = Secret.random()
            refreshTokens[token] = grantID
            grant.refreshToken = token
            grant.refreshIssuedAt = now
            // A refresh token lives a day from its use, but no grant outlives its absolute lifetime.
            grant.refreshExpiresAt = min(now + settings.refreshLifetime, grant.issuedAt + settings.grantLifetime)
            refreshToken = token
        } else {
            grant.refreshToken = nil
        }
        grant.expiresAt = max(grant.expiresAt, expiresAt, grant.refreshExpiresAt)
        grants[grantID] = grant
        return Issued(grant: grant, scopes: scopes, resource: resource, jti: jti, expiresAt: expiresAt, refreshToken: refreshToken)
    }
}
