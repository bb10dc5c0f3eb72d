/// The `jti` of each client assertion the issuer accepted, kept until the assertion expires: one that
/// comes back is a replay, and refused (RFC 7523 §3 item 7, OpenID Connect Core §9). Bounded per client
/// and in all, so one client's assertions never crowd out another's.
actor SeenAssertions {
    private var seen: [String: [String: Int]] = [:]
    private var count = 0
    let settings: DocumentSettings

    init(settings: DocumentSettings) {
        self.settings = settings
    }

    /// Remembers the assertion; invalid_client when its `jti` was seen before for this client.
    func accept(_ verified: ClientAssertion.Verified, of clientID: String, now: Int) throws(OAuthError) {
        forgetExpired(of: clientID, now: now)
        if seen[clientID]?[verified.jti] != nil {
            throw OAuthError.clientAuthentication("The client_assertion was already used: its jti has been seen before.")
        }
        guard (seen[clientID]?.count ?? 0) < settings.assertionsPerClient else {
            throw .clientLimit("This client sent \(settings.assertionsPerClient) assertions that have not expired yet, its limit.", retryAfter: 60)
        }
        if count >= settings.assertions { forgetExpired(now: now) }
        guard count < settings.assertions else { throw .full("client assertions", retryAfter: 60) }
        seen[clientID, default: [:]][verified.jti] = verified.expiresAt
        count += 1
    }

    private func forgetExpired(of clientID: String, now: Int) {
        guard let jtis = seen[clientID] else { return }
        // An assertion is refused once expired (after the leeway), so its jti may then be forgotten.
        let live = jtis.filter { $0.value + ClientAssertion.leeway > now }
        count -= jtis.count - live.count
        seen[clientID] = live.isEmpty ? nil : live
    }

    private func forgetExpired(now: Int) {
        for clientID in Array(seen.keys) { forgetExpired(of: clientID, now: now) }
    }
}
