import Foundation
import HTTPTypes
import Hummingbird

/// Authenticates the client at the token, introspection and revocation endpoints (RFC 6749 §2.3.1):
/// a public client names itself with client_id; a confidential one sends its secret in a Basic header
/// or in the form, whichever it registered, or a client assertion signed with a key its metadata
/// document publishes (RFC 7521 §4.2); never two ways at once.
struct ClientAuthenticator: Sendable {
    let clients: ClientDirectory
    let assertions: SeenAssertions
    let settings: IssuerSettings

    init(settings: IssuerSettings, clients: ClientDirectory) {
        (self.settings, self.clients) = (settings, clients)
        assertions = SeenAssertions(settings: settings.documents)
    }

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
        if form.values["client_assertion"] != nil || form.values["client_assertion_type"] != nil {
            guard authorizations.isEmpty, formSecret == nil else {
                throw OAuthError(OAuthError.invalidRequest, "Use one way of client authentication, not two (RFC 6749 §2.3).")
            }
            return try await authenticate(assertion: form.value("client_assertion"), type: form.value("client_assertion_type"), clientID: formID)
        }
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
        guard let client = try await find(id) else {
            throw OAuthError.clientAuthentication("Client authentication failed.")
        }
        if client.document != nil, client.authMethod != method {
            throw OAuthError.clientAuthentication("This client's metadata document says it authenticates with \(client.authMethod.rawValue).")
        }
        // A client authenticates the way it registered (RFC 7591 §2), so a public client cannot pose as a confidential one.
        guard client.authMethod == method, method == .none || client.verifies(secret: secret ?? "") else {
            throw OAuthError.clientAuthentication("Client authentication failed.")
        }
        return client
    }

    /// `private_key_jwt`: the assertion names its client (iss), whose document must choose this method and
    /// whose keys must verify it; its jti is then spent (RFC 7521 §4.2, RFC 7523 §3).
    private func authenticate(assertion text: String?, type: String?, clientID: String?) async throws(OAuthError) -> RegisteredClient {
        guard type == ClientAssertion.type else {
            throw OAuthError.clientAuthentication("client_assertion_type must be \(ClientAssertion.type).")
        }
        guard let text else { throw OAuthError(OAuthError.invalidRequest, "client_assertion is required with client_assertion_type.") }
        let assertion = try ClientAssertion(text)
        // RFC 7521 §4.2: a client_id sent alongside must name the same client.
        guard clientID == nil || clientID == assertion.clientID else {
            throw OAuthError(OAuthError.invalidRequest, "client_id differs from the client_assertion's iss.")
        }
        guard let client = try await find(assertion.clientID) else { throw OAuthError.clientAuthentication("Client authentication failed.") }
        guard client.authMethod == .privateKeyJWT, let document = client.document else {
            throw OAuthError.clientAuthentication("This client does not authenticate with private_key_jwt.")
        }
        let keys: ClientKeySet
        do throws(OAuthError) {
            keys = try await clients.keys(of: document)
        } catch {
            throw error.code == OAuthError.temporarilyUnavailable ? error : .clientAuthentication(error.description, detail: error.detail)
        }
        let now = settings.now()
        let verified = try assertion.verify(
            for: client, keys: keys, audiences: [settings.issuer, settings.url(IssuerMetadata.endpoints.token)], now: now,
            maxLifetime: settings.documents.assertionLifetime)
        try await assertions.accept(verified, of: client.id, now: now)
        return client
    }

    /// The client with this id; a metadata document that cannot be used fails its authentication (401).
    private func find(_ id: String) async throws(OAuthError) -> RegisteredClient? {
        do throws(OAuthError) {
            return try await clients.client(id)
        } catch {
            throw error.code == OAuthError.temporarilyUnavailable ? error : .clientAuthentication(error.description, detail: error.detail)
        }
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
