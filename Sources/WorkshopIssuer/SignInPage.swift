/// The sign-in and consent page of `GET /authorize`: which client asks for what, a button per demo user,
/// and a way to deny. Everything it echoes is escaped.
struct SignInPage {
    let request: AuthorizationRequest
    let users: [DemoUser]

    func render() -> String {
        let scopes = request.asked.map { scope in
            let refused = request.scopes.contains(scope) ? "" : " (not for this client: it may hold only \(ScopeList.text(request.client.ceiling)))"
            return "<li><code>\(HTML.escape(scope))</code>\(HTML.escape(refused))</li>"
        }.joined()
        let hidden = request.parameters.map {
            #"<input type="hidden" name="\#(HTML.escape($0.name))" value="\#(HTML.escape($0.value))">"#
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
                <p><strong>\(HTML.escape(request.client.displayName))</strong> asks for access to
                <code>\(HTML.escape(request.resource))</code> with these scopes:</p>
                <ul>\(scopes)</ul>
                <p class="note">These are demo users without passwords: this issuer is a workshop tool for your own
                machine (loopback only). Never expose it to a network.</p>
                <form method="post" action="/authorize">
                \(hidden)
                <input type="hidden" name="consent" value="approve">
                \(buttons)
                </form>
                <form method="post" action="/authorize">
                \(hidden)
                <button type="submit" class="deny" name="consent" value="deny">Deny</button>
                </form>
                <p class="note">The answer goes to <code>\(HTML.escape(request.redirectURI))</code>.</p>
                """)
    }

    /// The page shown when the request cannot be sent back to the client (RFC 6749 §4.1.2.1).
    static func error(_ error: OAuthError) -> String {
        HTML.page(
            title: "Authorization error: workshop issuer",
            body: """
                <h1>This authorization request cannot be completed</h1>
                <p><code>\(HTML.escape(error.code))</code>: \(HTML.escape(error.description))</p>
                <p class="note">The request was not sent back to the application, because its client or redirect URI
                could not be verified. Start the sign-in again from the application.</p>
                """)
    }
}
