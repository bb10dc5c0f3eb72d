import Foundation
import HTTPTypes
import Hummingbird

/// Authenticates the client at the token, introspection and revocation endpoints (RFC 6749 §2.3.1):
/// a public client names itself with client_id; a confidential one sends its secret in a Basic header
/// or in the form, whichever it registered, and never both ways at once.
struct ClientAuthenticator: Sendable {
    let registry: ClientRegistry

    /// The form body of a request to one of those endpoints, and its client, authenticated.
    func authenticatedForm(_ request: Request, limit: Int) async throws(OAuthError) -> (form: FormParameters, client: RegisteredClient) {
        let form = try await IssuerRequest.form(request, limit: limit)
        return (form, try await authenticate(request.headers, form))
    }

    /// The client, authenticated; invalid_client (401 with a Basic challenge) or invalid_request otherwise.
    func authenticate(_ headers: HTTPFields, _ form: FormParameters) async throws(OAuthError) -> RegisteredClient {
        let formID = try form.value("client_id")
        let formSecret = try form.value("client_secret")
        let id: String, secret: String?, method: RegisteredClient.AuthMethod
        let authorizations = headers[values: .authorization]
        if !authorizations.isEmpty {
            guard authorizations.count == 1, let basic = Self.basicCredentials(authorizations[0]) else {
                throw OAuthError.clientAuthentication("The Authorization header must hold Basic client credentials.")
            }
            guard formSecret == nil else {
                throw OAuthError(OAuthError.invalidRequest, "Use one way of client authentication, not two (RFC 6749 §2.3).")
            }
            guard formID == nil || formID == basic.id else {
                throw OAuthError(OAuthError.invalidRequest, "client_id differs from the client in the Authorization header.")
            }
            (id, secret, method) = (basic.id, basic.secret, .clientSecretBasic)
        } else if let formID {
            (id, secret, method) = (formID, formSecret, formSecret == nil ? .none : .clientSecretPost)
        } else {
            throw OAuthError.clientAuthentication("Client authentication is required.")
        }
        guard let client = await registry.client(id) else {
            throw OAuthError.clientAuthentication("Client authentication failed.")
        }
        // A client authenticates the way it registered (RFC 7591 §2), so a public client cannot pose as a confidential one.
        guard client.authMethod == method, method == .none || client.verifies(secret: secret ?? "") else {
            throw OAuthError.clientAuthentication("Client authentication failed.")
        }
        return client
    }

    /// `Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1, RFC 7617); nil when malformed.
    static func basicCredentials(_ header: String) -> (id: String, secret: String)? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic", parts[1].utf8.count <= 2048,
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces))
        else { return nil }
        let bytes = Array(data)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            let id = FormParameters.decode(bytes[..<colon]), let secret = FormParameters.decode(bytes[(colon + 1)...]),
            !id.isEmpty
        else { return nil }
        return (id, secret)
    }
}
