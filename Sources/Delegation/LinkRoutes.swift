import Foundation
import Hummingbird
import WorkshopSupport

/// The browser's side of account linking (MCP client/elicitation, "URL Mode Elicitation for OAuth Flows"):
/// `/link/start` takes the elicited request and sends the browser to sign in at the person's own issuer;
/// `/link/signed-in` checks that whoever signed in is the person the request was made for, then sends the
/// browser to the partner; `/link/callback` redeems the partner's code and keeps its tokens for that person.
/// Each step takes a single-use handle and, after the first, this browser's cookie (`PendingLinks`).
/// Pages say what happened; no page and no log line holds a handle, a code or a token.
struct LinkRoutes: Sendable {
    let linking: AccountLinking
    /// The checks every bearer token of `/mcp` passes: the sign-in's token passes them too.
    let verifier: AccessTokenVerifier

    var signedInURI: String { "\(linking.baseURL)/link/signed-in" }
    var callbackURI: String { "\(linking.baseURL)/link/callback" }
    var resource: String { "\(linking.baseURL)/mcp" }

    func addRoutes(to router: Router<MCPRequestContext>) {
        router.get("/link/start") { request, context in await self.start(request, context) }
        router.get("/link/signed-in") { request, context in await self.signedIn(request, context) }
        router.get("/link/callback") { request, context in await self.callback(request, context) }
    }

    /// 1. The elicited URL: single use, for ten minutes. The browser gets its cookie and goes to sign in.
    func start(_ request: Request, _ context: MCPRequestContext) async -> Response {
        guard let home = linking.home, linking.partner != nil else { return LinkPage.notConfigured }
        guard let id = Self.parameter(request, "request") else { return LinkPage.refused(.unknown) }
        let started: (owner: NotesStore.Owner, cookie: String, state: String, challenge: String)
        do throws(PendingLinks.Refusal) { started = try linking.pending.start(id) } catch { return LinkPage.refused(error) }
        do throws(OAuthClient.Failure) {
            let url = try await OAuthClient(issuer: started.owner.issuer, client: home).authorizationURL(
                redirectURI: signedInURI, scope: "mcp:read", resource: resource, state: started.state, challenge: started.challenge)
            context.logger.info("Account link: sign-in at the home issuer", metadata: ["sub": "\(started.owner.subject)"])
            return LinkPage.redirect(to: url, cookie: Self.cookie(started.cookie, secure: linking.baseURL.hasPrefix("https:")))
        } catch {
            context.logger.warning("Account link: the home issuer cannot be used", metadata: ["reason": "\(error)"])
            return LinkPage.unreachable("your sign-in server")
        }
    }

    /// 2. Back from the home issuer: the person who signed in must be the one the request was made for.
    func signedIn(_ request: Request, _ context: MCPRequestContext) async -> Response {
        guard let home = linking.home, let partner = linking.partner else { return LinkPage.notConfigured }
        guard let state = Self.parameter(request, "state") else { return LinkPage.refused(.unknown) }
        let record: PendingLinks.Record
        do throws(PendingLinks.Refusal) {
            record = try linking.pending.signedIn(state: state, cookie: request.cookies[PendingLinks.cookieName]?.value)
        } catch {
            context.logger.info("Account link: sign-in answer refused", metadata: ["why": "\(error)"])
            return LinkPage.refused(error)
        }
        if let error = Self.parameter(request, "error") { return LinkPage.declined(at: "your sign-in server", error: error) }
        // RFC 9207: an answer that names another issuer is not the answer to this request.
        guard await Self.answer(request, isFrom: OAuthClient(issuer: record.owner.issuer, client: home)),
            let code = Self.parameter(request, "code")
        else {
            return LinkPage.refused(.unknown)
        }
        let signedIn: VerifiedToken
        do {
            let tokens = try await OAuthClient(issuer: record.owner.issuer, client: home)
                .redeem(code: code, verifier: record.verifier, redirectURI: signedInURI, resource: resource)
            signedIn = try await verifier.verifyFetchingKeys(tokens.accessToken)
        } catch {
            context.logger.warning("Account link: the sign-in could not be completed", metadata: ["reason": "\(error)"])
            return LinkPage.unreachable("your sign-in server")
        }
        guard signedIn.issuer == record.owner.issuer, signedIn.subject == record.owner.subject else {
            context.logger.warning(
                "Account link refused: signed in as another user than the one who asked",
                metadata: ["requested_by": "\(record.owner.subject)", "signed_in": "\(signedIn.subject)"])
            return LinkPage.anotherUser
        }
        let next = linking.pending.authorizing(record)
        do throws(OAuthClient.Failure) {
            let url = try await OAuthClient(issuer: partner.issuer, client: partner.client).authorizationURL(
                redirectURI: callbackURI, scope: partner.scope, resource: partner.calendarURL, state: next.state, challenge: next.challenge)
            return LinkPage.redirect(to: url)
        } catch {
            context.logger.warning("Account link: the partner cannot be used", metadata: ["reason": "\(error)"])
            return LinkPage.unreachable("the partner")
        }
    }

    /// 3. Back from the partner: its code, redeemed here, gives the tokens kept for the person.
    func callback(_ request: Request, _ context: MCPRequestContext) async -> Response {
        guard let partner = linking.partner else { return LinkPage.notConfigured }
        guard let state = Self.parameter(request, "state") else { return LinkPage.refused(.unknown) }
        let record: PendingLinks.Record
        do throws(PendingLinks.Refusal) {
            record = try linking.pending.callback(state: state, cookie: request.cookies[PendingLinks.cookieName]?.value)
        } catch {
            context.logger.info("Account link: partner answer refused", metadata: ["why": "\(error)"])
            return LinkPage.refused(error)
        }
        if let error = Self.parameter(request, "error") { return LinkPage.declined(at: "the partner", error: error) }
        guard await Self.answer(request, isFrom: OAuthClient(issuer: partner.issuer, client: partner.client)),
            let code = Self.parameter(request, "code")
        else {
            return LinkPage.refused(.unknown)
        }
        do {
            let tokens = try await OAuthClient(issuer: partner.issuer, client: partner.client)
                .redeem(code: code, verifier: record.verifier, redirectURI: callbackURI, resource: partner.calendarURL)
            try await linking.store.save(tokens, for: record.owner)
        } catch {
            context.logger.warning("Account link: the partner's code could not be redeemed", metadata: ["reason": "\(error)"])
            return LinkPage.unreachable("the partner")
        }
        context.logger.info("Account linked", metadata: ["sub": "\(record.owner.subject)"])
        return LinkPage.linked
    }

    /// RFC 9207 §2.4: an authorization answer names the issuer it comes from, once. It may name none only when
    /// that issuer does not promise to: a second name, or a missing one, could hide an answer from another server.
    static func answer(_ request: Request, isFrom client: OAuthClient) async -> Bool {
        let named = request.uri.queryParameters[values: "iss"]
        guard named.isEmpty else { return named.count == 1 && named[0] == client.issuer }
        return await !client.namesItselfInAnswers()
    }

    /// A query parameter given exactly once.
    static func parameter(_ request: Request, _ name: String) -> String? {
        let values = request.uri.queryParameters[values: Substring(name)]
        return values.count == 1 && !values[0].isEmpty ? String(values[0]) : nil
    }

    /// The browser binding: unreadable to scripts, sent on top-level navigations back from the issuers
    /// (SameSite=Lax), only to these pages, for the request's ten minutes.
    static func cookie(_ value: String, secure: Bool) -> String {
        "\(PendingLinks.cookieName)=\(value); Path=/link; Max-Age=\(Int(PendingLinks.lifetime)); HttpOnly; SameSite=Lax"
            + (secure ? "; Secure" : "")
    }
}
