import Hummingbird

/// `/authorize` (RFC 6749 §3.1, §4.1): GET shows the sign-in page; its form posts the same parameters plus
/// its token, `username`, `consent=approve|deny` and any scopes to `withhold`. The decision, a code or an
/// error, goes to the client's redirect URI.
struct AuthorizeEndpoint: Sendable {
    let settings: IssuerSettings
    let clients: ClientDirectory
    let store: GrantStore
    let signInGuard: SignInGuard
    static let maxQueryLength = 8192

    func show(_ request: Request, context: some RequestContext) async -> Response {
        let query = request.uri.query ?? ""
        guard query.utf8.count <= Self.maxQueryLength, let form = FormParameters(query) else {
            return refuse(request, OAuthError(OAuthError.invalidRequest, "The query string is too long or not valid UTF-8 form encoding."), context)
        }
        do {
            let checked = try await AuthorizationRequest.check(form, clients: clients, settings: settings)
            return IssuerReply.html(SignInPage(request: checked, users: DemoUser.all, token: signInGuard.token(for: form)).render())
        } catch {
            return answer(error, request, context)
        }
    }

    func decide(_ request: Request, context: some RequestContext) async -> Response {
        let form: FormParameters
        do {
            form = try await IssuerRequest.form(request, limit: settings.limits.bodyBytes)
        } catch {
            return refuse(request, error, context)
        }
        if let refusal = signInGuard.refusal(request.headers, form) { return refuse(request, refusal, context) }
        do throws(AuthorizationRequest.Failure) {
            let checked = try await AuthorizationRequest.check(form, clients: clients, settings: settings)
            let reply = AuthorizationRedirect(uri: checked.redirectURI, state: checked.state, issuer: settings.issuer)
            do throws(OAuthError) {
                let code = try await approve(checked, form)
                let value = try await store.save(code)
                context.logger.info(
                    "Authorization approved",
                    metadata: [
                        "client_id": "\(checked.client.id)", "user": "\(code.user.name)", "aud": "\(code.resource)",
                        "scope": "\(ScopeList.text(code.scopes))",
                    ])
                return IssuerReply.redirect(to: reply.location([("code", value)]))
            } catch {
                throw AuthorizationRequest.Failure.redirect(error, reply)
            }
        } catch {
            return answer(error, request, context)
        }
    }

    /// The person's decision: an unknown user or a denial is access_denied (RFC 6749 §4.1.2.1).
    private func approve(_ checked: AuthorizationRequest, _ form: FormParameters) async throws(OAuthError) -> AuthorizationCode {
        switch try form.value("consent") {
        case "approve": break
        case "deny": throw OAuthError(OAuthError.accessDenied, "The user denied the request.")
        default: throw OAuthError(OAuthError.invalidRequest, "consent must be approve or deny.")
        }
        guard let name = try form.value("username"), let user = DemoUser.named(name) else {
            throw OAuthError(OAuthError.accessDenied, "No such user.")
        }
        // A person grants what their role allows, never more, whatever the client asked for, and may withhold some.
        let allowed = ScopeList.within(checked.scopes, user.scopes)
        guard !allowed.isEmpty else {
            throw OAuthError(OAuthError.accessDenied, "The user's role allows none of the scopes asked for.")
        }
        let withheld = form.values["withhold", default: []]
        let scopes = allowed.filter { !withheld.contains($0) }
        guard !scopes.isEmpty else { throw OAuthError(OAuthError.accessDenied, "The user withheld every scope.") }
        return AuthorizationCode(
            clientID: checked.client.id, redirectURI: checked.redirectURI, redirectURIWasSent: checked.redirectURIWasSent,
            codeChallenge: checked.codeChallenge, resource: checked.resource, scopes: scopes, user: user,
            expiresAt: settings.now() + settings.codeLifetime, authMethod: checked.client.authMethod)
    }

    private func answer(_ failure: AuthorizationRequest.Failure, _ request: Request, _ context: some RequestContext) -> Response {
        switch failure {
        case .page(let error):
            return refuse(request, error, context)
        case .redirect(let error, let reply):
            context.logger.info("Authorization request refused", metadata: ["error": "\(error.code)", "reason": "\(error.logReason)"])
            return IssuerReply.redirect(to: reply.location(for: error))
        }
    }

    /// 400 (or 403) to the person, never a redirect: as a page for a browser, as JSON for anything else.
    private func refuse(_ request: Request, _ error: OAuthError, _ context: some RequestContext) -> Response {
        context.logger.info("Authorization request refused without a redirect", metadata: ["error": "\(error.code)", "reason": "\(error.logReason)"])
        let wantsHTML = request.headers[values: .accept].contains { $0.contains("text/html") }
        guard wantsHTML else { return IssuerReply.error(error) }
        return IssuerReply.html(SignInPage.error(error), status: error.status)
    }
}
