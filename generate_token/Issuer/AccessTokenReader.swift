import WorkshopSupport

/// Recognises access tokens this issuer signed: an `at+jwt` whose RS256 signature verifies with the
/// desk's key and whose `iss` is this issuer (RFC 9068 §4). Anything else is not ours.
struct AccessTokenReader: Sendable {
    let desk: TokenDesk
    let issuer: String
    static let maxLength = 8192

    /// The claims of one of our tokens, expired or not; nil for anything else.
    func claims(of token: String) -> [String: JSONValue]? {
        guard token.utf8.count <= Self.maxLength, desk.verifies(token) else { return nil }
        let explainer = TokenExplainer(token: token)
        guard explainer.header?["typ"] == "at+jwt", let claims = explainer.claims?.objectValue,
            claims["iss"] == .string(issuer), claims["jti"]?.stringValue != nil, claims["exp"]?.intValue != nil
        else { return nil }
        return claims
    }
}
