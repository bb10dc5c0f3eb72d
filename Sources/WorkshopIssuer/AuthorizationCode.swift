/// An authorization code waiting to be exchanged, with everything it is bound to (RFC 6749 §4.1.2,
/// RFC 7636 §4.4, RFC 8707 §2.1): it is good once, for this client, redirect URI, verifier and resource, and
/// for the way the client authenticated when it was issued.
struct AuthorizationCode: Sendable {
    let clientID: String
    /// The redirect URI the response went to; the token request must repeat it if the authorization request sent it.
    let redirectURI: String
    let redirectURIWasSent: Bool
    let codeChallenge: String
    let resource: String
    let scopes: [String]
    let user: DemoUser
    let expiresAt: Int
    /// A client known by its metadata document may change it; the code holds it to the method it had.
    let authMethod: RegisteredClient.AuthMethod
}
