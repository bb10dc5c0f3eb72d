extension GrantStore {
    /// The grant of a live refresh token, for introspection (RFC 7662 §2.2).
    func grant(ofRefreshToken value: String) -> Grant? {
        guard let grantID = refreshTokens[value], let grant = grants[grantID], !grant.revoked,
            grant.refreshExpiresAt > settings.now()
        else { return nil }
        return grant
    }

    /// False when the access token `jti` was revoked, alone or with its grant. Tokens the issuer did not
    /// record (minted by the desk, or before a restart) are judged by their signature and expiry alone.
    func isActive(jti: String) -> Bool {
        guard let record = accessTokens[jti] else { return true }
        if record.revoked { return false }
        if let grantID = record.grantID, grants[grantID]?.revoked == true { return false }
        return true
    }

    /// Records a token issued by exchange (RFC 8693) under the grant of its subject token, when that has one:
    /// revoking the grant (RFC 7009 §2.1) then revokes what was obtained with it too.
    func record(exchanged jti: String, clientID: String, subjectJTI: String, expiresAt: Int) throws(OAuthError) {
        guard let grantID = accessTokens[subjectJTI]?.grantID else { return }
        try makeRoom(for: clientID, accessTokens: 1)
        add(access: AccessRecord(clientID: clientID, grantID: grantID, expiresAt: expiresAt), jti: jti)
    }

    /// Revokes a refresh token and its grant (RFC 7009 §2.1). Nil when it is not live; false when it is another client's.
    func revoke(refreshToken value: String, by clientID: String) -> Bool? {
        guard let grantID = refreshTokens[value], let grant = grants[grantID] else { return nil }
        guard grant.clientID == clientID else { return false }
        revokeGrant(grantID)
        return true
    }

    /// Revokes one access token by its `jti`, remembered until it would have expired anyway.
    func revoke(jti: String, clientID: String, expiresAt: Int) throws(OAuthError) {
        if accessTokens[jti] != nil {
            accessTokens[jti]?.revoked = true
            return
        }
        try makeRoom(for: clientID, accessTokens: 1)
        add(access: AccessRecord(clientID: clientID, grantID: nil, expiresAt: expiresAt, revoked: true), jti: jti)
    }
}
