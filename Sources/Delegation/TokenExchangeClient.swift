import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization
import WorkshopSupport

/// Exchanges a caller's access token at the issuer that issued it for a token meant for another API
/// (RFC 8693 §2): this server, a confidential client of the issuer, presents the caller's token as
/// `subject_token` and names the other API as `resource` (RFC 8707), with a narrower scope. The issuer
/// decides, and records this server as the actor (`act`, §4.1) in what it issues. The token endpoint
/// comes from the issuer's RFC 8414 metadata; the client authenticates with client_secret_basic.
final class TokenExchangeClient: Sendable {
    static let grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    static let timeout: TimeAmount = .seconds(5)
    static let maxAnswerSize = 64 * 1024

    let issuer: String
    let clientID: String
    /// For this server's requests to `issuer` only.
    private let clientSecret: String
    let logger: Logger
    let discovery = IssuerDiscovery()
    private let found = Mutex<String?>(nil)

    /// Why no token was had: `message` for the person who called the tool, `description` for the log.
    struct Failure: Error, CustomStringConvertible {
        let message: String
        let description: String

        init(_ message: String, log description: String? = nil) {
            (self.message, self.description) = (message, description ?? message)
        }
    }

    init(issuer: String, clientID: String, clientSecret: String, logger: Logger) {
        (self.issuer, self.clientID, self.clientSecret, self.logger) = (issuer, clientID, clientSecret, logger)
    }

    /// A token for `resource` with `scope`, issued for the user `subject` names (RFC 8693 §2.1-2.2).
    func exchange(_ subject: CallerAccessToken, resource: String, scope: String) async throws(Failure) -> String {
        let form = [
            ("grant_type", Self.grantType), ("subject_token", subject.value), ("subject_token_type", Self.accessTokenType),
            ("resource", resource), ("scope", scope),
        ]
        let (status, answer) = try await post(form, to: try await tokenEndpoint())
        guard status == 200 else { throw Self.refusal(status: status, answer: answer, client: clientID, resource: resource) }
        // §2.2.1: the token, what kind it is, and how to use it.
        guard let token = answer?["access_token"]?.stringValue, !token.isEmpty,
            answer?["issued_token_type"] == .string(Self.accessTokenType),
            answer?["token_type"]?.stringValue?.lowercased() == "bearer"
        else {
            throw Failure(
                "The issuer's answer to the token exchange held no bearer access token; the server's operator should check the issuer.",
                log: "\(issuer) answered 200 without access_token, issued_token_type \(Self.accessTokenType) and token_type Bearer")
        }
        return token
    }

    /// POSTs a form to the issuer with this client's credentials in a Basic header (RFC 6749 §2.3.1).
    func post(_ form: [(String, String)], to url: String) async throws(Failure) -> (status: UInt, answer: JSONValue?) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        // RFC 6749 §2.3.1: the id and the secret are form-encoded before they are joined.
        let credentials = "\(Self.formEncoded(clientID)):\(Self.formEncoded(clientSecret))"
        request.headers.add(name: "Authorization", value: "Basic \(Data(credentials.utf8).base64EncodedString())")
        request.body = .bytes(ByteBuffer(string: form.map { "\($0)=\(Self.formEncoded($1))" }.joined(separator: "&")))
        do {
            let (status, body) = try await OutboundHTTP.send(request, timeout: Self.timeout, upTo: Self.maxAnswerSize)
            return (status, try? JSONValue(parsing: Data(body.readableBytesView)))
        } catch {
            throw Failure("The issuer could not be reached to get a token for the calendar; try again shortly.", log: "could not reach \(url): \(error)")
        }
    }

    /// The issuer's `token_endpoint` (RFC 8414 §2), once its metadata says it grants token exchange.
    func tokenEndpoint() async throws(Failure) -> String {
        if let known = found.withLock({ $0 }) { return known }
        let metadata: [String: JSONValue]
        do {
            metadata = try await OutboundHTTP.within(Self.timeout) { [discovery, issuer] in try await discovery.metadata(of: issuer) }
        } catch {
            throw Failure("The issuer could not be reached to get a token for the calendar; try again shortly.", log: "\(error)")
        }
        // RFC 8414 §2: without grant_types_supported, an issuer offers authorization_code and implicit only.
        let grants = metadata["grant_types_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard grants.contains(Self.grantType), let url = metadata["token_endpoint"]?.stringValue, let parts = URLComponents(string: url) else {
            throw Failure(
                "The issuer \(issuer) does not offer token exchange (RFC 8693), so the calendar cannot be reached for you.",
                log: "the metadata of \(issuer) lists no \(Self.grantType) in grant_types_supported, or no token_endpoint")
        }
        // The caller's token and this client's secret travel over TLS; plain HTTP only on this machine.
        guard parts.scheme == "https" || (parts.scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(parts.host ?? "")) else {
            throw Failure("The issuer's token endpoint is not https; the server's operator should fix the issuer.", log: "token_endpoint \(url) is not https")
        }
        let methods = metadata["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? ["client_secret_basic"]
        guard methods.contains("client_secret_basic") else {
            throw Failure("The issuer takes no client_secret_basic at its token endpoint.", log: "\(issuer) token_endpoint_auth_methods_supported: \(methods)")
        }
        found.withLock { $0 = url }
        return url
    }

    /// `application/x-www-form-urlencoded`: everything but unreserved ASCII percent-encoded.
    static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }
}
