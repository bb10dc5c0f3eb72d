/// An authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 8707 §2), checked in the order that decides
/// where its errors go: until the client and redirect URI are known good, to the person; after that, to the client.
struct AuthorizationRequest: Sendable {
    let client: RegisteredClient
    let redirectURI: String
    let redirectURIWasSent: Bool
    let state: String?
    let codeChallenge: String
    let resource: String
    /// What the client asked for (its ceiling when it named no scope).
    let asked: [String]
    /// What of that the client may have: the asked scopes within its ceiling. A user's grant is this,
    /// narrowed further to what the user's role allows.
    let scopes: [String]
    /// The parameters as sent, for the sign-in page to send again.
    let parameters: [(name: String, value: String)]

    static let parameterNames = [
        "response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method", "resource",
    ]
    static let maxStateLength = 1024

    enum Failure: Error {
        /// The client or its redirect URI cannot be trusted: answer the person with a page, never a redirect (§4.1.2.1).
        case page(OAuthError)
        /// Tell the client at its redirect URI.
        case redirect(OAuthError, AuthorizationRedirect)
    }

    static func check(_ form: FormParameters, clients: ClientDirectory, settings: IssuerSettings) async throws(Failure) -> Self {
        func page(_ text: String) -> Failure { .page(OAuthError(OAuthError.invalidRequest, text)) }
        guard let clientID = try? form.value("client_id") else { throw page("client_id is required, once.") }
        // A client known by its metadata document is fetched now; a document that cannot be used ends here.
        let found: RegisteredClient?
        do throws(OAuthError) { found = try await clients.client(clientID) } catch { throw .page(error) }
        guard let client = found else { throw page("The client_id is not registered with this issuer.") }
        guard let sent = try? form.value("redirect_uri") ?? "" else { throw page("redirect_uri was sent more than once.") }
        let redirectURI: String
        if !sent.isEmpty {
            guard client.redirectURIs.contains(where: { RedirectURI.matches(registered: $0, requested: sent) }) else {
                throw page(client.document == nil ? "The redirect_uri is not one this client registered." : "The redirect_uri is not one the client's metadata document lists.")
            }
            redirectURI = sent
        } else {
            guard client.redirectURIs.count == 1 else { throw page("redirect_uri is required: the client registered several.") }
            redirectURI = client.redirectURIs[0]
        }
        // From here on the client hears about errors, with the state it sent if that can be read back.
        let sentState = (try? form.value("state")) ?? nil
        let state = sentState.flatMap { $0.utf8.count <= maxStateLength ? $0 : nil }
        let reply = AuthorizationRedirect(uri: redirectURI, state: state, issuer: settings.issuer)
        func fail(_ code: String, _ text: String) -> Failure { .redirect(OAuthError(code, text), reply) }
        if (form.values["resource"] ?? []).filter({ !$0.isEmpty }).count > 1 {
            throw fail(OAuthError.invalidTarget, "Ask for one resource per request.")
        }
        // RFC 6749 §3.1: no parameter twice; the page's own checkboxes, `withhold`, are a list.
        if let repeated = form.repeatedNames.first(where: { $0 != "withhold" }) {
            throw fail(OAuthError.invalidRequest, "\(repeated) was sent more than once.")
        }
        guard state == sentState else { throw fail(OAuthError.invalidRequest, "state is longer than \(maxStateLength) bytes.") }
        let value = { (name: String) in (try? form.value(name)) ?? nil }
        guard let responseType = value("response_type") else { throw fail(OAuthError.invalidRequest, "response_type is required.") }
        guard responseType == "code" else { throw fail(OAuthError.unsupportedResponseType, "Only response_type=code is supported.") }
        guard client.responseTypes.contains("code") else {
            throw fail(OAuthError.unauthorizedClient, "This client did not register for the authorization_code grant.")
        }
        if let mode = value("response_mode"), mode != "query" { throw fail(OAuthError.invalidRequest, "Only response_mode=query is supported.") }
        guard let challenge = value("code_challenge") else { throw fail(OAuthError.invalidRequest, "code_challenge is required (PKCE).") }
        guard value("code_challenge_method") == "S256" else {
            throw fail(OAuthError.invalidRequest, "code_challenge_method must be S256; plain is not accepted.")
        }
        guard PKCE.isChallenge(challenge) else { throw fail(OAuthError.invalidRequest, "code_challenge must be 43 base64url characters.") }
        let resource: String, asked: [String]
        do {
            resource = try settings.resource(requested: value("resource"))
            asked = try ScopeList.requested(value("scope")) ?? client.ceiling
        } catch {
            throw .redirect(error, reply)
        }
        // RFC 6749 §3.3: the issuer may grant less than asked, and says so in the token response's scope.
        let scopes = ScopeList.within(asked, client.ceiling)
        guard !scopes.isEmpty else {
            throw fail(OAuthError.invalidScope, "This client may hold only \(ScopeList.text(client.ceiling)).")
        }
        return Self(
            client: client, redirectURI: redirectURI, redirectURIWasSent: !sent.isEmpty, state: state, codeChallenge: challenge,
            resource: resource, asked: asked, scopes: scopes, parameters: parameters(of: form))
    }

    /// The authorization request's parameters in `form`, in a fixed order: what the sign-in page sends
    /// again, and what its form token is bound to.
    static func parameters(of form: FormParameters) -> [(name: String, value: String)] {
        parameterNames.flatMap { name in form.values[name, default: []].filter { !$0.isEmpty }.map { (name: name, value: $0) } }
    }
}
