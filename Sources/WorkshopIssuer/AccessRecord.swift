/// An access token the issuer signed, known by its `jti`, so it can be revoked (RFC 7009 §2).
struct AccessRecord: Sendable {
    let clientID: String
    let grantID: String?
    let expiresAt: Int
    var revoked = false
}
