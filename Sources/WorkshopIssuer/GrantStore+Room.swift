extension GrantStore {
    /// Makes sure `clientID` may hold `codes` more pending codes, `grants` more grants and `accessTokens`
    /// more recorded access tokens: first within its own limits, so that one client's load is that client's
    /// problem (429), then within the issuer's, which only many clients together can reach (503). Both
    /// say when to try again.
    func makeRoom(for clientID: String, codes: Int = 0, grants: Int = 0, accessTokens: Int = 0) throws(OAuthError) {
        let now = settings.now()
        forgetExpired(of: clientID, now: now)
        let mine = settings.limits.perClient, held = holdings[clientID] ?? Holdings()
        if codes > 0, held.codes.count + codes > mine.pendingCodes {
            let wait = Self.wait(until: held.codes.compactMap { self.codes[$0]?.expiresAt }, now: now)
            throw .clientLimit("This client has \(mine.pendingCodes) authorization codes waiting, its limit; redeem them or let them expire.", retryAfter: wait)
        }
        if grants > 0, held.grants.count + grants > mine.grants {
            let wait = Self.wait(until: held.grants.compactMap { self.grants[$0]?.expiresAt }, now: now)
            throw .clientLimit("This client holds \(mine.grants) grants, its limit; revoke the refresh tokens it no longer needs (RFC 7009).", retryAfter: wait)
        }
        if accessTokens > 0, held.accessTokens.count + accessTokens > mine.accessTokens {
            let wait = Self.wait(until: held.accessTokens.compactMap { self.accessTokens[$0]?.expiresAt }, now: now)
            throw .clientLimit("This client holds \(mine.accessTokens) live access tokens, its limit.", retryAfter: wait)
        }
        let all = settings.limits
        func over() -> Bool {
            self.codes.count + codes > all.pendingCodes || self.grants.count + grants > all.grants
                || self.accessTokens.count + accessTokens > all.accessTokens
        }
        if over() { forgetExpired(now: now) }
        guard over() else { return }
        let expiries = self.codes.values.map(\.expiresAt) + self.grants.values.map(\.expiresAt) + self.accessTokens.values.map(\.expiresAt)
        throw .full("authorization codes, grants and tokens", retryAfter: Self.wait(until: expiries, now: now))
    }

    /// Seconds until the first of `moments`, in whole minutes: no client needs it finer.
    static func wait(until moments: [Int], now: Int) -> Int {
        let seconds = max(1, (moments.min() ?? now + 60) - now)
        return (seconds + 59) / 60 * 60
    }

    /// Forgets what of one client's has expired.
    func forgetExpired(of clientID: String, now: Int) {
        guard let held = holdings[clientID] else { return }
        for value in held.codes where codes[value].map({ $0.expiresAt <= now }) ?? true { remove(code: value) }
        for id in held.grants where grants[id].map({ $0.expiresAt <= now }) ?? true { remove(grant: id) }
        for jti in held.accessTokens where accessTokens[jti].map({ $0.expiresAt <= now }) ?? true { remove(access: jti) }
    }

    /// Forgets everything that has expired. A grant outlives all its tokens, so its revocation is never forgotten too early.
    func forgetExpired(now: Int) {
        for (value, code) in codes where code.expiresAt <= now { remove(code: value) }
        for (id, grant) in grants where grant.expiresAt <= now { remove(grant: id) }
        for (jti, record) in accessTokens where record.expiresAt <= now { remove(access: jti) }
    }
}
