extension GrantStore {
    /// Revokes a grant: its refresh token dies and its access tokens read as inactive (RFC 7009 §2.1).
    func revokeGrant(_ grantID: String) {
        guard var grant = grants[grantID] else { return }
        grant.revoked = true
        if let token = grant.refreshToken { refreshTokens[token] = nil }
        grant.refreshToken = nil
        grants[grantID] = grant
    }

    /// Fails with 503 when grants or access tokens are at their cap even after forgetting expired ones.
    func makeRoom() throws(OAuthError) {
        let limits = settings.limits
        if grants.count >= limits.grants || accessTokens.count >= limits.accessTokens { prune() }
        guard grants.count < limits.grants, accessTokens.count < limits.accessTokens else { throw OAuthError.full("tokens") }
    }

    /// Remembers a spent code or refresh token; beyond the cap the ones that no longer matter go first, then any.
    func markSpent(_ key: String, grantID: String?, until: Int) {
        if spent.count >= settings.limits.spentCredentials {
            let now = settings.now()
            spent = spent.filter { $0.value.until > now }
            if spent.count >= settings.limits.spentCredentials { spent.remove(at: spent.startIndex) }
        }
        spent[key] = (grantID, until)
    }

    /// Forgets what has expired. A grant outlives all its tokens, so its revocation is never forgotten too early.
    func prune() {
        let now = settings.now()
        codes = codes.filter { $0.value.expiresAt > now }
        accessTokens = accessTokens.filter { $0.value.expiresAt > now }
        for (id, grant) in grants where grant.expiresAt <= now {
            grants[id] = nil
            if let token = grant.refreshToken { refreshTokens[token] = nil }
        }
        spent = spent.filter { $0.value.until > now }
    }
}
