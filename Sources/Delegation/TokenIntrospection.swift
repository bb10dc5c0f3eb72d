import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import WorkshopSupport

/// Asks the issuer whether a token that passed every local check is still active (RFC 7662 §2), so
/// that a token revoked at the issuer (RFC 7009) is refused here within seconds, not at its `exp`
/// (RFC 9700 §4.14.2). The endpoint comes from the issuer's RFC 8414 metadata. An "active" answer is
/// reused for `cacheTime`, never past the token's expiry; "inactive" is final, so it is not kept.
/// When the issuer cannot be asked, the token is not accepted: the caller answers 503, because the
/// token may well be good, and a 401 `invalid_token` would send the client to sign in again at an
/// issuer that is not answering.
final class TokenIntrospection: Sendable {
    static let timeout: TimeAmount = .seconds(3)
    static let maxAnswerSize = 64 * 1024

    let issuer: String
    let clientID: String
    private let clientSecret: String
    let cacheTime: TimeInterval
    let logger: Logger
    let discovery = IssuerDiscovery()
    /// Tokens the issuer called active, and until when that answer is used: bounded, keyed by the token.
    private let answers = VerifiedTokenCache<Date>(expiry: { $0 })
    private let found = Mutex<Endpoint?>(nil)

    /// The issuer's `introspection_endpoint`, and whether it takes the client's secret in a Basic header.
    struct Endpoint: Sendable {
        let url: String
        let basic: Bool
    }

    /// What the issuer says of a token; `unavailable` when it could not be asked, with why (for the log).
    enum Verdict: Equatable {
        case active, inactive, unavailable(String)
    }

    init(issuer: String, clientID: String, clientSecret: String, cacheTime: TimeInterval, logger: Logger) {
        (self.issuer, self.clientID, self.clientSecret, self.cacheTime, self.logger) = (issuer, clientID, clientSecret, cacheTime, logger)
    }

    /// Whether `token`, which expires at `expiresAt`, is still active: from a recent answer, or asked now.
    func verdict(on token: String, expiresAt: Date, now: Date = Date()) async -> Verdict {
        if answers.lookup(token, now: now) != nil { return .active }
        do throws(IssuerDiscovery.Failure) {
            guard try await isActive(token, at: try await endpoint()) else { return .inactive }
            answers.store(token, min(now + cacheTime, expiresAt), now: now)
            return .active
        } catch {
            return .unavailable(error.description)
        }
    }

    /// RFC 7662 §2.1: the token, a hint of its kind, and the client's credentials (RFC 6749 §2.3.1).
    private func isActive(_ token: String, at endpoint: Endpoint) async throws(IssuerDiscovery.Failure) -> Bool {
        var form = [("token", token), ("token_type_hint", "access_token")]
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        if endpoint.basic {
            // RFC 6749 §2.3.1: the id and the secret are form-encoded before they are joined.
            let credentials = "\(Self.formEncoded(clientID)):\(Self.formEncoded(clientSecret))"
            request.headers.add(name: "Authorization", value: "Basic \(Data(credentials.utf8).base64EncodedString())")
        } else {
            form += [("client_id", clientID), ("client_secret", clientSecret)]
        }
        request.body = .bytes(ByteBuffer(string: form.map { "\($0)=\(Self.formEncoded($1))" }.joined(separator: "&")))
        let answer: JSONValue?
        let status: UInt
        let location: String?
        do {
            let response = try await IssuerDiscovery.answer(to: request, timeout: Self.timeout, upTo: Self.maxAnswerSize)
            (status, location) = (response.status, response.location)
            answer = try? JSONValue(parsing: Data(response.body.readableBytesView))
        } catch {
            throw IssuerDiscovery.Failure(description: "could not reach \(endpoint.url): \(error)")
        }
        switch status {
        case 200: break
        case 300..<400:
            // Followed, a 307 would send the token and the client's secret wherever it points (RFC 9110 §15.4.8).
            throw IssuerDiscovery.notFollowed(endpoint.url, status, to: location)
        case 401:
            throw IssuerDiscovery.Failure(
                description: "\(endpoint.url) answered 401: the issuer refused the credentials of client \(clientID);"
                    + " check --introspection-client-id and its secret (sent with client_secret_basic when the issuer offers it),"
                    + " and that the issuer allows the client to introspect (the workshop issuer: \"introspection\": true in its --clients-file)")
        case 403:
            throw IssuerDiscovery.Failure(
                description: "\(endpoint.url) answered 403: the issuer does not allow client \(clientID) to introspect"
                    + " (the workshop issuer: give it \"introspection\": true in its --clients-file)")
        default:
            throw IssuerDiscovery.Failure(description: "\(endpoint.url) answered \(status)")
        }
        // §2.2: "active" is a boolean, and the one member every answer has.
        guard case .bool(let active)? = answer?["active"] else {
            throw IssuerDiscovery.Failure(description: "\(endpoint.url) did not answer a JSON object with a boolean active (RFC 7662 §2.2)")
        }
        return active
    }

    /// The endpoint from the issuer's metadata (RFC 8414 §2), looked up once it is found; never guessed.
    private func endpoint() async throws(IssuerDiscovery.Failure) -> Endpoint {
        if let known = found.withLock({ $0 }) { return known }
        let metadata = try await discovery.metadata(of: issuer)
        guard let url = metadata["introspection_endpoint"]?.stringValue, let parts = URLComponents(string: url) else {
            throw IssuerDiscovery.Failure(
                description: "the metadata of \(issuer) names no introspection_endpoint: it offers no token introspection"
                    + " (RFC 7662); run without --introspection-client-id")
        }
        // RFC 7662 §4: the secret and the tokens travel over TLS; plain HTTP only on this machine.
        guard parts.scheme == "https" || (parts.scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(parts.host ?? "")) else {
            throw IssuerDiscovery.Failure(description: "the introspection_endpoint \(url) is not https")
        }
        // RFC 8414 §2: client_secret_basic when the metadata lists no methods.
        let methods = metadata["introspection_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? ["client_secret_basic"]
        guard methods.contains("client_secret_basic") || methods.contains("client_secret_post") else {
            throw IssuerDiscovery.Failure(description: "\(issuer) takes no client secret at its introspection_endpoint (\(methods))")
        }
        let discovered = Endpoint(url: url, basic: methods.contains("client_secret_basic"))
        found.withLock { $0 = discovered }
        return discovered
    }

    /// At start-up, in the background: finds the endpoint and tries the credentials on a token that is
    /// none, so that a mistake shows in the log before the first request.
    func check() {
        Task {
            do throws(IssuerDiscovery.Failure) {
                let endpoint = try await endpoint()
                _ = try await isActive("not-a-token", at: endpoint)
                logger.info(
                    "Token introspection is on", metadata: ["endpoint": "\(endpoint.url)", "client_id": "\(clientID)", "cache_seconds": "\(Int(cacheTime))"])
            } catch {
                logger.error("Token introspection cannot ask the issuer yet: every token is refused", metadata: ["reason": "\(error)"])
            }
        }
    }

    /// What a request gets when the issuer could not be asked: try again shortly.
    static var unavailable: Response {
        let body: JSONValue = ["error": "temporarily_unavailable", "error_description": "The token issuer could not be asked; try again shortly"]
        return Response(
            status: .serviceUnavailable, headers: [.retryAfter: "5", .contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }

    /// `application/x-www-form-urlencoded`: everything but unreserved ASCII percent-encoded.
    static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }
}
