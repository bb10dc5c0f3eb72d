import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import WorkshopSupport

/// This server as an OAuth client of one authorization server: the authorization code grant with PKCE
/// (RFC 6749 §4.1, RFC 7636), refresh (§6) and revocation (RFC 7009), at the endpoints the server's
/// RFC 8414 metadata names. It is one at the partner, and one at the home issuer for the link page's sign-in.
struct OAuthClient: Sendable {
    static let timeout: TimeAmount = .seconds(5)
    static let maxAnswerSize = 64 * 1024

    let issuer: String
    let client: ClientSecret

    /// Why a request to the authorization server failed: its OAuth error code when it sent one (RFC 6749 §5.2).
    struct Failure: Error, CustomStringConvertible {
        let description: String
        var code: String? = nil
    }

    /// Tokens from a token response (RFC 6749 §5.1).
    struct Tokens: Sendable, Codable, Equatable {
        let accessToken: String
        let refreshToken: String?
        let expiresAt: Date
        let scope: String?
    }

    /// A fresh PKCE verifier (RFC 7636 §4.1) and its S256 challenge (§4.2).
    static func pkce() -> (verifier: String, challenge: String) {
        let verifier = Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
        return (verifier, Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8)))))
    }

    /// Where to send the browser (RFC 6749 §4.1.1, RFC 8707 §2).
    func authorizationURL(redirectURI: String, scope: String, resource: String, state: String, challenge: String)
        async throws(Failure) -> String
    {
        let endpoint = try await endpoint("authorization_endpoint")
        let query = [
            ("response_type", "code"), ("client_id", client.clientID), ("redirect_uri", redirectURI), ("scope", scope),
            ("resource", resource), ("state", state), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
        return endpoint + (endpoint.contains("?") ? "&" : "?") + Self.form(query)
    }

    /// Redeems a code (RFC 6749 §4.1.3), proving the verifier (RFC 7636 §4.5).
    func redeem(code: String, verifier: String, redirectURI: String, resource: String) async throws(Failure) -> Tokens {
        try await token([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier),
            ("resource", resource),
        ])
    }

    /// A new access token for a refresh token (RFC 6749 §6).
    func refresh(_ refreshToken: String, resource: String) async throws(Failure) -> Tokens {
        try await token([("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("resource", resource)], keeping: refreshToken)
    }

    /// Whether the server promises `iss` in every authorization answer (RFC 9207 §3); when its metadata
    /// cannot be read, it is taken to, so that an answer without `iss` is refused rather than trusted.
    func namesItselfInAnswers() async -> Bool {
        guard let metadata = try? await metadata() else { return true }
        return metadata["authorization_response_iss_parameter_supported"] == true
    }

    /// Revokes a refresh token, best effort (RFC 7009 §2.1): its whole grant ends with it.
    func revoke(_ refreshToken: String) async {
        guard let url = try? await endpoint("revocation_endpoint") else { return }
        _ = try? await post(url, [("token", refreshToken), ("token_type_hint", "refresh_token")])
    }

    private func token(_ form: [(String, String)], keeping oldRefresh: String? = nil) async throws(Failure) -> Tokens {
        let (status, answer) = try await post(try await endpoint("token_endpoint"), form)
        guard status == 200 else {
            let code = answer["error"]?.stringValue
            throw Failure(description: "the token endpoint of \(issuer) answered \(status) \(code ?? "")", code: code)
        }
        guard let access = answer["access_token"]?.stringValue, answer["token_type"]?.stringValue?.lowercased() == "bearer" else {
            throw Failure(description: "the token endpoint of \(issuer) sent no bearer access_token")
        }
        let lifetime = answer["expires_in"]?.intValue ?? 300
        // RFC 6749 §6: a refresh answer without a new refresh token leaves the old one valid.
        return Tokens(
            accessToken: access, refreshToken: answer["refresh_token"]?.stringValue ?? oldRefresh,
            expiresAt: Date() + TimeInterval(lifetime), scope: answer["scope"]?.stringValue)
    }

    /// POSTs a form with the client's credentials (client_secret_basic, RFC 6749 §2.3.1).
    private func post(_ url: String, _ form: [(String, String)]) async throws(Failure) -> (UInt, JSONValue) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Authorization", value: client.basicAuthorization)
        request.body = .bytes(ByteBuffer(string: Self.form(form)))
        do {
            let (status, body) = try await OutboundHTTP.send(request, timeout: Self.timeout, upTo: Self.maxAnswerSize)
            return (status, (try? JSONValue(parsing: Data(body.readableBytesView))) ?? .null)
        } catch {
            throw Failure(description: "could not reach \(url): \(error)")
        }
    }

    /// An endpoint the metadata names (RFC 8414 §2); over https, or plain http on this machine only.
    private func endpoint(_ name: String) async throws(Failure) -> String {
        guard let url = try await metadata()[name]?.stringValue, let parts = URLComponents(string: url),
            parts.scheme == "https" || (parts.scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(parts.host ?? ""))
        else { throw Failure(description: "the metadata of \(issuer) names no usable \(name)") }
        return url
    }

    /// The server's RFC 8414 metadata, read in full within the timeout: a slow partner holds no tool call.
    private func metadata() async throws(Failure) -> [String: JSONValue] {
        do {
            return try await OutboundHTTP.within(Self.timeout) { [issuer] in try await IssuerDiscovery().metadata(of: issuer) }
        } catch {
            throw Failure(description: "the metadata of \(issuer): \(error)")
        }
    }

    static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(formEncoded($0))=\(formEncoded($1))" }.joined(separator: "&")
    }

    /// `application/x-www-form-urlencoded`: everything but unreserved ASCII percent-encoded.
    static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? ""
    }
}
