/// One authorization: every token issued from one code (and from its refresh tokens) shares it, so a
/// stolen code or refresh token that is replayed revokes them all together (RFC 6749 §4.1.2, §10.4).
struct Grant: Sendable {
    let clientID: String
    /// Nil for client_credentials: the client acts for itself.
    let user: DemoUser?
    /// What was granted; a refresh may ask for less, never more (RFC 6749 §6).
    let scopes: [String]
    let resources: [String]
    let issuedAt: Int
    /// How the client authenticated when the grant began: every refresh must authenticate the same way.
    let authMethod: RegisteredClient.AuthMethod
    /// After this no token of the grant is alive, and it is forgotten.
    var expiresAt: Int
    var revoked = false
    /// The one live refresh token; the rotated ones are kept apart, to detect their reuse.
    var refreshToken: String?
    /// Its spent code and rotated refresh tokens (keys of `GrantStore.spent`), oldest first.
    var spent: [String] = []
    var refreshExpiresAt = 0
    var refreshIssuedAt = 0

    /// The subject of its access tokens: the user, or the client itself (RFC 9068 §2.2).
    var subject: String { user?.name ?? clientID }
}
