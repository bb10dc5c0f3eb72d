import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import WorkshopSupport

/// Everything account linking uses, made once at start-up: the partner and this server's clients, the
/// stored links, the links in progress, and the elicitation that starts one.
struct AccountLinking: Sendable {
    static let notConfigured =
        "Account linking is not configured on this server: start it with --partner-client-id and --exchange-client-id"
        + " (their secrets in --partner-secret-file and --exchange-secret-file, or PARTNER_CLIENT_SECRET and EXCHANGE_CLIENT_SECRET)."
    /// A token this close to its expiry is refreshed before use.
    static let refreshMargin: TimeInterval = 30

    let partner: Partner?
    /// This server's client at the home issuer, which signs the browser in on the link page.
    let home: ClientSecret?
    let baseURL: String
    let store: AccountLinkStore
    let pending: PendingLinks
    let elicitation: URLElicitation
    let refreshes = RefreshQueue()
    let logger: Logger

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    static func open(
        partner: PartnerOptions, exchange: ExchangeOptions, data: DataOptions, notes: NotesStore, baseURL: String,
        pending: PendingLinks = PendingLinks(), logger: Logger
    ) async throws -> AccountLinking {
        let store = try await AccountLinkStore.open(notes: notes, keyFile: data.folder.appendingPathComponent("link.key"), logger: logger)
        let elicitation = URLElicitation(baseURL: baseURL, pending: pending, stateKey: URLElicitation.stateKey(from: store.key))
        // The link page signs the browser in with the exchange client: one confidential client at the home issuer.
        var home: ClientSecret? = nil
        if let clientID = exchange.clientID {
            home = ClientSecret(clientID: clientID, secret: try exchange.secret(environment: ProcessInfo.processInfo.environment))
        }
        let linking = AccountLinking(
            partner: try partner.partner(), home: home, baseURL: baseURL, store: store, pending: pending,
            elicitation: elicitation, logger: logger)
        if let configured = linking.partner {
            logger.info(
                "Account linking is on", metadata: ["partner": "\(configured.issuer)", "calendar": "\(configured.calendarURL)", "pages": "\(baseURL)/link"])
            if linking.home == nil { logger.warning("Account linking needs --exchange-client-id too: the link page signs the user in with it") }
        }
        return linking
    }

    /// The owner's partner calendar, through their link; nil when there is no link the partner still honours.
    func calendarEvents(of owner: NotesStore.Owner, _ partner: Partner) async throws(Problem) -> JSONValue? {
        guard var tokens = try await stored(owner) else { return nil }
        if tokens.expiresAt <= Date() + Self.refreshMargin {
            guard let fresh = try await refreshed(owner, partner) else { return nil }
            tokens = fresh
        }
        var request = HTTPClientRequest(url: partner.calendarURL + "/events")
        request.headers.add(name: "Authorization", value: "Bearer \(tokens.accessToken)")
        request.headers.add(name: "Accept", value: "application/json")
        let status: UInt, body: ByteBuffer
        do {
            (status, body) = try await OutboundHTTP.send(request, timeout: OAuthClient.timeout, upTo: 256 * 1024)
        } catch {
            throw Problem(description: "The partner calendar could not be reached; try again later.")
        }
        switch status {
        case 200:
            guard let events = try? JSONValue(parsing: Data(body.readableBytesView)), events.objectValue != nil else {
                throw Problem(description: "The partner calendar sent something that is not a JSON object.")
            }
            return events
        case 401:
            // The partner no longer takes the token (revoked, say): the link is dropped, and the user asked again.
            logger.info("The partner refused a linked token: link dropped", metadata: ["sub": "\(owner.subject)"])
            _ = try? await store.delete(tokens, for: owner)
            return nil
        default:
            throw Problem(description: "The partner calendar answered HTTP \(status); try again later.")
        }
    }

    /// A fresh access token for the owner, one refresh at a time per owner: a refresh token is used once
    /// (the workshop issuer rotates them), so a second caller takes the first one's result.
    func refreshed(_ owner: NotesStore.Owner, _ partner: Partner) async throws(Problem) -> OAuthClient.Tokens? {
        let result = await refreshes.run(owner) { () async -> Result<OAuthClient.Tokens?, Problem> in
            do throws(Problem) {
                guard let tokens = try await stored(owner) else { return .success(nil) }
                if tokens.expiresAt > Date() + Self.refreshMargin { return .success(tokens) }
                guard let refreshToken = tokens.refreshToken else {
                    _ = try? await store.delete(tokens, for: owner)
                    return .success(nil)
                }
                let fresh: OAuthClient.Tokens
                do throws(OAuthClient.Failure) {
                    fresh = try await OAuthClient(issuer: partner.issuer, client: partner.client)
                        .refresh(refreshToken, resource: partner.calendarURL)
                } catch let refusal where refusal.code == "invalid_grant" {
                    // RFC 6749 §5.2: only invalid_grant says the grant is over; another error is this server's
                    // client or the partner at fault, and costs nobody their link.
                    logger.info("The partner refused a refresh: link dropped", metadata: ["sub": "\(owner.subject)", "error": "\(refusal.code!)"])
                    _ = try? await store.delete(tokens, for: owner)
                    return .success(nil)
                } catch {
                    logger.warning("Could not refresh a partner token", metadata: ["reason": "\(error)"])
                    throw Problem(description: "The partner did not renew your access (it could not be reached, or refused this server); try again later.")
                }
                // The person may have unlinked, or linked anew, while the partner answered: that stands, and the
                // grant this refresh renewed is ended rather than kept by nobody.
                guard try await replace(tokens, with: fresh, for: owner) else {
                    if let refresh = fresh.refreshToken { await OAuthClient(issuer: partner.issuer, client: partner.client).revoke(refresh) }
                    return .success(try await stored(owner))
                }
                return .success(fresh)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    func stored(_ owner: NotesStore.Owner) async throws(Problem) -> OAuthClient.Tokens? {
        do {
            return try await store.tokens(for: owner)
        } catch {
            logger.error("Partner links database error", metadata: ["reason": "\(error)"])
            throw Problem(description: "Your partner link could not be read; try again.")
        }
    }

    func replace(_ old: OAuthClient.Tokens, with new: OAuthClient.Tokens, for owner: NotesStore.Owner) async throws(Problem) -> Bool {
        do {
            return try await store.replace(old, with: new, for: owner)
        } catch {
            logger.error("Partner links database error", metadata: ["reason": "\(error)"])
            throw Problem(description: "Your partner link could not be saved; try again.")
        }
    }
}
