import HTTPTypes
import WorkshopSupport

/// Lets only the issuer's own sign-in page post the sign-in form (RFC 6749 §10.12, RFC 9700 §4.7): a
/// post the browser marks as coming from another site is refused, and so is one without the token
/// that the page it came from carried. MCP clients are not affected: they only send the browser to
/// `GET /authorize`.
struct SignInGuard: Sendable {
    /// The issuer's origin, as a browser writes it in `Origin` for the issuer's own pages.
    let origin: String
    let tokens: FormToken
    let now: @Sendable () -> Int

    init(settings: IssuerSettings) {
        origin = PublicURL.origin(of: settings.issuer) ?? settings.issuer
        tokens = FormToken(lifetime: settings.signInPageLifetime)
        now = settings.now
    }

    /// The token for a page showing the authorization request in `form`.
    func token(for form: FormParameters) -> String {
        tokens.make(for: AuthorizationRequest.parameters(of: form), at: now())
    }

    /// Why the post must be refused (403, to the person), or nil when it came from a page the issuer showed.
    func refusal(_ headers: HTTPFields, _ form: FormParameters) -> OAuthError? {
        // Fetch Metadata and the Origin header: what a browser says about where a form post came from.
        if let site = headers[.secFetchSite], site != "same-origin" {
            return OAuthError(OAuthError.accessDenied, "The sign-in form was posted from another site (Sec-Fetch-Site: \(site)).", status: .forbidden)
        }
        if let sender = headers[.origin], sender != origin {
            return OAuthError(OAuthError.accessDenied, "The sign-in form was posted from \(sender), not from this issuer's page.", status: .forbidden)
        }
        let token = try? form.value(FormToken.name)
        guard tokens.verifies(token, for: AuthorizationRequest.parameters(of: form), now: now()) else {
            return OAuthError(
                OAuthError.accessDenied,
                "The sign-in form does not carry the token of a page this issuer showed in the last \(tokens.lifetime / 60) minutes. Start the sign-in again from the application.",
                status: .forbidden)
        }
        return nil
    }
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
}
