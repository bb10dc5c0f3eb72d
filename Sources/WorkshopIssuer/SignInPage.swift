import Foundation

/// The sign-in and consent page of `GET /authorize`: which client asks, who vouches for its name, where
/// the answer goes, what each demo user would really grant, and a way to withhold scopes or deny.
/// Everything it echoes is escaped; its forms carry the token that lets them be posted (`SignInGuard`).
struct SignInPage {
    let request: AuthorizationRequest
    let users: [DemoUser]
    let token: String

    func render() -> String {
        let client = request.client
        // RFC 7591 §5: a self-registered name is the application's own claim, and the page says so.
        let vouched = client.preconfigured ? "configured by this issuer's operator" : "the name it gave itself, not verified"
        let scopes = request.asked.map { scope in
            let refused = request.scopes.contains(scope) ? "" : " (not for this client: it may hold only \(ScopeList.text(client.ceiling)))"
            return "<li><code>\(HTML.escape(scope))</code>\(HTML.escape(refused))</li>"
        }.joined(separator: "\n")
        let hidden = (request.parameters + [(name: FormToken.name, value: token)]).map {
            #"<input type="hidden" name="\#(HTML.escape($0.name))" value="\#(HTML.escape($0.value))">"#
        }.joined(separator: "\n")
        let withhold = request.scopes.map {
            #"<label><input type="checkbox" name="withhold" value="\#(HTML.escape($0))"> \#(HTML.escape($0))</label>"#
        }.joined(separator: "\n")
        // Each person is shown what they would really grant: the client's share, narrowed to their role.
        let buttons = users.map { user in
            let grant = ScopeList.within(request.scopes, user.scopes)
            let value = HTML.escape(user.name), label = HTML.escape(user.label)
            guard !grant.isEmpty else {
                return #"<button type="submit" name="username" value="\#(value)" disabled>\#(label) may hold none of these scopes</button>"#
            }
            return #"<button type="submit" name="username" value="\#(value)">Sign in as \#(label) and approve: \#(HTML.escape(ScopeList.text(grant)))</button>"#
        }.joined(separator: "\n")
        return HTML.page(
            title: "Sign in: workshop issuer",
            body: """
                <h1>Sign in to the workshop issuer</h1>
                <p><strong>\(HTML.escape(client.displayName))</strong> (\(HTML.escape(vouched))) asks for access to
                <code>\(HTML.escape(request.resource))</code> with these scopes:</p>
                <ul>
                \(scopes)
                </ul>
                \(Self.identity(of: client))
                <p class="note">Client id <code>\(HTML.escape(client.id))</code>. The answer goes to
                <strong>\(HTML.escape(Self.host(of: request.redirectURI)))</strong>: <code>\(HTML.escape(request.redirectURI))</code>.</p>
                <p class="note">These are demo users without passwords: this issuer is a workshop tool for your own
                machine (loopback only). Never expose it to a network.</p>
                <form method="post" action="/authorize">
                \(hidden)
                <input type="hidden" name="consent" value="approve">
                <fieldset><legend>Withhold (optional)</legend>
                \(withhold)
                </fieldset>
                \(buttons)
                </form>
                <form method="post" action="/authorize">
                \(hidden)
                <button type="submit" class="deny" name="consent" value="deny">Deny</button>
                </form>
                """)
    }

    /// What vouches for a client known by its metadata document, and the warning its redirect URIs call for
    /// (draft-ietf-oauth-client-id-metadata-document §8.5; MCP security considerations, "Localhost Redirect
    /// URI Risks"): the document's host is the verified identity, the name only what the document says.
    static func identity(of client: RegisteredClient) -> String {
        guard let document = client.document else { return "" }
        let host = HTML.escape(document.url.host), name = HTML.escape(client.displayName)
        var text = #"<p>Verified: <strong>\#(host)</strong>. This application is identified by the metadata document it publishes at "#
            + #"<code>\#(HTML.escape(document.url.text))</code>; only whoever controls \#(host) can change it. "#
            + #"The name <strong>\#(name)</strong> is what that document says, not verified.</p>"#
        // Any program on this machine can listen on a loopback port: a loopback redirect proves nothing.
        if document.redirectURIs.allSatisfy({ URLComponents(string: $0)?.host.map(RedirectURI.isLoopback) ?? false }) {
            text += "\n" + #"<p class="warning"><strong>Warning:</strong> this application receives its answer only on this machine "#
                + #"(localhost). Another program on this machine could pretend to be \#(name): approve only if you started this "#
                + "sign-in yourself, just now, from that application.</p>"
        }
        return text
    }

    /// The host and port the redirect URI names: who receives the code.
    static func host(of uri: String) -> String {
        guard let components = URLComponents(string: uri), let host = components.host else { return uri }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    /// The page shown when the request cannot be sent back to the client (RFC 6749 §4.1.2.1).
    static func error(_ error: OAuthError) -> String {
        HTML.page(
            title: "Authorization error: workshop issuer",
            body: """
                <h1>This authorization request cannot be completed</h1>
                <p><code>\(HTML.escape(error.code))</code>: \(HTML.escape(error.description))</p>
                <p class="note">Nothing was sent back to the application. Start the sign-in again from the application.</p>
                """)
    }
}
