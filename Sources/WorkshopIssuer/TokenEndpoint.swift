import Hummingbird
import WorkshopSupport

/// `POST /token` (RFC 6749 §3.2): authorization_code with PKCE, refresh_token with rotation, client_credentials,
/// and token exchange (RFC 8693).
/// Answers are JSON and never cached (§5.1); errors follow §5.2 and the log says why.
struct TokenEndpoint: Sendable {
    let settings: IssuerSettings
    let authenticator: ClientAuthenticator
    let registry: ClientRegistry
    let store: GrantStore
    let minter: AccessTokenMinter

    func handle(_ request: Request, context: some RequestContext) async -> Response {
        var clientID = "-"
        do {
            let (form, client) = try await authenticator.authenticatedForm(request, limit: settings.limits.bodyBytes)
            clientID = client.id
            guard let grantType = try form.value("grant_type") else {
                throw OAuthError(OAuthError.invalidRequest, "grant_type is required.")
            }
            let issued: GrantStore.Issued
            switch grantType {
            case "authorization_code": issued = try await exchangeCode(form, client: client)
            case "refresh_token": issued = try await refresh(form, client: client)
            case "client_credentials": issued = try await clientCredentials(form, client: client)
            case TokenExchangePolicy.grantType: return try await exchangeToken(form, client: client, context: context)
            default:
                throw OAuthError(
                    OAuthError.unsupportedGrantType,
                    "Supported grant types: authorization_code, refresh_token, client_credentials, \(TokenExchangePolicy.grantType).")
            }
            let body = try minter.response(for: issued)
            await registry.gotToken(client.id)
            context.logger.info(
                "Issued an access token",
                metadata: [
                    "grant_type": "\(grantType)", "client_id": "\(client.id)", "sub": "\(issued.grant.subject)",
                    "aud": "\(issued.resource)", "scope": "\(ScopeList.text(issued.scopes))", "jti": "\(issued.jti)",
                    "refresh_token": "\(issued.refreshToken == nil ? "no" : "yes")",
                ])
            return IssuerReply.json(body)
        } catch let error as OAuthError {
            context.logger.info("Token request refused", metadata: ["error": "\(error.code)", "reason": "\(error.logReason)", "client_id": "\(clientID)"])
            return IssuerReply.error(error)
        } catch {
            context.logger.error("Could not sign an access token", metadata: ["reason": "\(error)"])
            return IssuerReply.error(OAuthError("server_error", "The token could not be signed.", status: .internalServerError))
        }
    }

    /// RFC 6749 §4.1.3 with RFC 7636 §4.5-4.6 and RFC 8707 §2.2.
    func exchangeCode(_ form: FormParameters, client: RegisteredClient) async throws(OAuthError) -> GrantStore.Issued {
        guard client.allows(grant: "authorization_code") else {
            throw OAuthError(OAuthError.unauthorizedClient, "This client did not register for the authorization_code grant.")
        }
        guard let code = try form.value("code") else { throw OAuthError(OAuthError.invalidRequest, "code is required.") }
        guard let verifier = try form.value("code_verifier") else {
            throw OAuthError(OAuthError.invalidRequest, "code_verifier is required: this issuer requires PKCE.")
        }
        let redirectURI = try form.value("redirect_uri")
        let resource = try form.value("resource")
        return try await store.redeem(code: code, clientID: client.id, refresh: client.allows(grant: "refresh_token")) {
            pending throws(OAuthError) in
            // RFC 6749 §4.1.3: the same redirect_uri as in the authorization request, if it had one.
            guard (redirectURI ?? (pending.redirectURIWasSent ? nil : pending.redirectURI)) == pending.redirectURI else {
                throw OAuthError(OAuthError.invalidGrant, "redirect_uri differs from the one in the authorization request.")
            }
            if let resource, resource != pending.resource {
                throw OAuthError(OAuthError.invalidTarget, "resource differs from the one that was authorized.")
            }
            guard PKCE.verify(verifier, against: pending.codeChallenge) else {
                throw OAuthError(OAuthError.invalidGrant, "The code_verifier does not match the code_challenge.")
            }
            // A metadata document may change between the sign-in and now (draft-ietf-oauth-client-id-metadata-document
            // §8.4): the code was issued for a redirect URI and an authentication method, and both must still hold.
            guard client.redirectURIs.contains(where: { RedirectURI.matches(registered: $0, requested: pending.redirectURI) }) else {
                throw OAuthError(OAuthError.invalidGrant, "The client no longer lists the redirect_uri this code was issued for.")
            }
            guard client.authMethod == pending.authMethod else {
                throw OAuthError(
                    OAuthError.invalidGrant,
                    "The client authenticates with \(client.authMethod.rawValue) now, but the code was issued when it used \(pending.authMethod.rawValue).")
            }
        }
    }
}
