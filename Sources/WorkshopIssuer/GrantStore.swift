import Foundation

/// Codes, grants, refresh tokens and issued access tokens, in memory only and within `IssuerSettings.Limits`.
/// Being an actor, it decides each redemption atomically: a code or refresh token is spent exactly once.
actor GrantStore {
    let settings: IssuerSettings
    var codes: [String: AuthorizationCode] = [:]
    var grants: [String: Grant] = [:]
    /// Live refresh token → the id of its grant.
    var refreshTokens: [String: String] = [:]
    /// Spent codes ("code:…") and rotated refresh tokens ("refresh:…") → the grant to revoke if they come back.
    var spent: [String: (grantID: String?, until: Int)] = [:]
    var accessTokens: [String: AccessRecord] = [:]

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
        if codes.count >= settings.limits.pendingCodes { prune() }
        guard codes.count < settings.limits.pendingCodes else { throw OAuthError.full("authorization codes") }
        let value = Secret.random()
        codes[value] = code
        return value
    }

    /// Exchanges a code (RFC 6749 §4.1.3): the client gets one try; a code that comes back revokes what it gave.
    func redeem(
        code value: String, clientID: String, refresh: Bool, check: @Sendable (AuthorizationCode) throws(OAuthError) -> Void
    ) throws(OAuthError) -> Issued {
        let now = settings.now()
        if let spent = spent["code:" + value] {
            if let grantID = spent.grantID { revokeGrant(grantID) }
            throw OAuthError(OAuthError.invalidGrant, "The authorization code was already used; tokens issued from it are revoked.")
        }
        guard let code = codes[value], code.clientID == clientID, code.expiresAt > now else {
            throw OAuthError(OAuthError.invalidGrant, "The authorization code is unknown, expired, or was issued to another client.")
        }
        try makeRoom()
        codes[value] = nil
        do {
            try check(code)
        } catch {
            markSpent("code:" + value, grantID: nil, until: code.expiresAt)
            throw error
        }
        let grantID = Secret.random(bits: 128)
        grants[grantID] = Grant(
            clientID: clientID, user: code.user, scopes: code.scopes, resources: [code.resource], issuedAt: now, expiresAt: now)
        let issued = issue(grantID: grantID, scopes: code.scopes, resource: code.resource, refresh: refresh, now: now)
        markSpent("code:" + value, grantID: grantID, until: grants[grantID]?.expiresAt ?? now)
        return issued
    }

    /// Uses a refresh token (RFC 6749 §6) and rotates it (OAuth 2.1 §4.3.1): a rotated one that comes back revokes the grant.
    func rotate(
        refreshToken value: String, clientID: String,
        check: @Sendable (Grant) throws(OAuthError) -> (scopes: [String], resource: String)
    ) throws(OAuthError) -> Issued {
        let now = settings.now()
        if let spent = spent["refresh:" + value] {
            if let grantID = spent.grantID { revokeGrant(grantID) }
            throw OAuthError(OAuthError.invalidGrant, "The refresh token was already used; its grant is revoked.")
        }
        guard let grantID = refreshTokens[value], let grant = grants[grantID], grant.clientID == clientID,
            !grant.revoked, grant.refreshExpiresAt > now
        else { throw OAuthError(OAuthError.invalidGrant, "The refresh token is unknown, expired, revoked, or was issued to another client.") }
        let (scopes, resource) = try check(grant)
        try makeRoom()
        refreshTokens[value] = nil
        markSpent("refresh:" + value, grantID: grantID, until: grant.refreshExpiresAt)
        return issue(grantID: grantID, scopes: scopes, resource: resource, refresh: true, now: now)
    }

    /// An access token a client gets for itself (RFC 6749 §4.4): no grant, no refresh token.
    func issueToClient(_ clientID: String, scopes: [String], resource: String) throws(OAuthError) -> Issued {
        try makeRoom()
        let now = settings.now()
        let grant = Grant(clientID: clientID, user: nil, scopes: scopes, resources: [resource], issuedAt: now, expiresAt: now)
        let jti = UUID().uuidString
        accessTokens[jti] = AccessRecord(clientID: clientID, grantID: nil, expiresAt: now + settings.tokenLifetime)
        return Issued(grant: grant, scopes: scopes, resource: resource, jti: jti, expiresAt: now + settings.tokenLifetime, refreshToken: nil)
    }

    private func issue(grantID: String, scopes: [String], resource: String, refresh: Bool, now: Int) -> Issued {
        let jti = UUID().uuidString
        let expiresAt = now + settings.tokenLifetime
        accessTokens[jti] = AccessRecord(clientID: grants[grantID]!.clientID, grantID: grantID, expiresAt: expiresAt)
        var refreshToken: String?
        if refresh {
            let token = Secret.random()
            refreshTokens[token] = grantID
            grants[grantID]!.refreshToken = token
            grants[grantID]!.refreshIssuedAt = now
            grants[grantID]!.refreshExpiresAt = now + settings.refreshLifetime
            refreshToken = token
        } else {
            grants[grantID]!.refreshToken = nil
        }
        grants[grantID]!.expiresAt = max(grants[grantID]!.expiresAt, expiresAt, grants[grantID]!.refreshExpiresAt)
        let grant = grants[grantID]!
        return Issued(grant: grant, scopes: scopes, resource: resource, jti: jti, expiresAt: expiresAt, refreshToken: refreshToken)
    }
}
