extension GrantStore {
    /// Revokes a grant: its refresh token dies and its access tokens read as inactive (RFC 7009 §2.1).
    /// It is remembered only until those access tokens would have expired anyway.
    func revokeGrant(_ grantID: String) {
        guard var grant = grants[grantID], !grant.revoked else { return }
        grant.revoked = true
        if let token = grant.refreshToken { refreshTokens[token] = nil }
        grant.refreshToken = nil
        grant.expiresAt = min(grant.expiresAt, settings.now() + settings.tokenLifetime)
        grants[grantID] = grant
    }

    /// Remembers a spent code or refresh token of a grant; a grant keeps its latest few, so that one
    /// client refreshing without end pushes out only its own oldest.
    func markSpent(_ key: String, grantID: String) {
        guard grants[grantID] != nil else { return }
        spent[key] = grantID
        grants[grantID]!.spent.append(key)
        if grants[grantID]!.spent.count > settings.limits.spentPerGrant {
            spent[grants[grantID]!.spent.removeFirst()] = nil
        }
    }

    func add(code: AuthorizationCode, value: String) {
        codes[value] = code
        holdings[code.clientID, default: Holdings()].codes.insert(value)
    }

    func remove(code value: String) {
        guard let code = codes.removeValue(forKey: value) else { return }
        holdings[code.clientID]?.codes.remove(value)
        forgetIfEmpty(code.clientID)
    }

    func add(grant: Grant, id: String) {
        grants[id] = grant
        holdings[grant.clientID, default: Holdings()].grants.insert(id)
    }

    func remove(grant id: String) {
        guard let grant = grants.removeValue(forKey: id) else { return }
        if let token = grant.refreshToken { refreshTokens[token] = nil }
        for key in grant.spent { spent[key] = nil }
        holdings[grant.clientID]?.grants.remove(id)
        forgetIfEmpty(grant.clientID)
    }

    func add(access record: AccessRecord, jti: String) {
        accessTokens[jti] = record
        holdings[record.clientID, default: Holdings()].accessTokens.insert(jti)
    }

    func remove(access jti: String) {
        guard let record = accessTokens.removeValue(forKey: jti) else { return }
        holdings[record.clientID]?.accessTokens.remove(jti)
        forgetIfEmpty(record.clientID)
    }

    private func forgetIfEmpty(_ clientID: String) {
        if holdings[clientID]?.isEmpty == true { holdings[clientID] = nil }
    }
}
