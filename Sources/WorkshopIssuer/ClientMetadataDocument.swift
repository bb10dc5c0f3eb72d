import Foundation
import WorkshopSupport

/// A Client ID Metadata Document, checked against the URL it was fetched from (draft-ietf-oauth-client-id-metadata-document
/// §4, §4.1; MCP authorization, "Client ID Metadata Documents"): a client that registers itself by
/// publishing its RFC 7591 metadata at its own https URL. What the issuer keeps of it is what a
/// registration would give: a name, redirect URIs, an authentication method, grant types, a ceiling.
struct ClientMetadataDocument: Sendable {
    /// Grant types such a client may use here; others in a document (a device code grant, a JWT bearer
    /// grant for enterprise-managed authorization) are meant for other servers and are ignored.
    static let grantTypes = ["authorization_code", "refresh_token"]
    /// Authentication methods based on a shared secret: a public document cannot hold one (§4.1).
    static let secretMethods = ["client_secret_basic", "client_secret_post", "client_secret_jwt"]
    static let maxRedirectURIs = 20

    /// Where a `private_key_jwt` client's public keys are.
    enum Keys: Sendable {
        case inline(ClientKeySet)
        case uri(ClientIDURL)
    }

    let url: ClientIDURL
    /// As the application supplied it: verified by nothing but the host that serves the document.
    let name: String
    let redirectURIs: [String]
    let authMethod: RegisteredClient.AuthMethod
    let keys: Keys?
    /// `token_endpoint_auth_signing_alg`: when the document names one, assertions must use it.
    let signingAlgorithm: String?
    let grantTypes: [String]
    let scopes: [String]

    init(_ body: Data, fetchedFrom url: ClientIDURL) throws(OAuthError) {
        func invalid(_ reason: String) -> OAuthError {
            OAuthError(OAuthError.invalidClientMetadata, "The client's metadata document at \(url.host) \(reason).")
        }
        // A member named twice could be read one way here and another way by the client.
        guard let document = (try? JSONValue(parsingUniqueKeys: body))?.objectValue else {
            throw OAuthError(OAuthError.invalidClient, "The client's metadata document at \(url.host) is not a JSON object, each member named once.")
        }
        // §4: the document speaks for the URL it was fetched from and for no other.
        guard document["client_id"] == .string(url.text) else {
            throw OAuthError(OAuthError.invalidClient, "The client's metadata document at \(url.host) names another client_id than its own URL.")
                .detailed("its client_id is \(String((document["client_id"]?.jsonText ?? "missing").prefix(200)))")
        }
        guard let name = document["client_name"]?.stringValue, !name.isEmpty else { throw invalid("has no client_name") }
        guard name.count <= ClientRegistration.maxNameLength, !name.unicodeScalars.contains(where: ClientRegistration.isHidden) else {
            throw invalid("has a client_name longer than \(ClientRegistration.maxNameLength) characters or with control or format characters")
        }
        guard let uris = document["redirect_uris"]?.arrayValue, !uris.isEmpty else { throw invalid("has no redirect_uris") }
        guard uris.count <= Self.maxRedirectURIs else { throw invalid("lists more than \(Self.maxRedirectURIs) redirect_uris") }
        let redirectURIs = uris.compactMap(\.stringValue)
        guard redirectURIs.count == uris.count, redirectURIs.allSatisfy(RedirectURI.isRegistrable) else {
            throw invalid("has a redirect URI that is not https, or http on 127.0.0.1, [::1] or localhost, without a fragment")
        }
        // §4.1: no shared secret can be set up with a client that publishes its registration.
        if document["client_secret"] != nil || document["client_secret_expires_at"] != nil {
            throw invalid("holds a client_secret; a public document cannot keep a secret")
        }
        let authMethod = try Self.authMethod(document, invalid)
        var keys: Keys?
        if authMethod == .privateKeyJWT {
            switch (document["jwks"], document["jwks_uri"]?.stringValue) {
            case (let jwks?, nil): keys = .inline(try ClientKeySet(jwks, source: "jwks"))
            case (nil, let uri?):
                do throws(OAuthError) {
                    keys = .uri(try ClientIDURL(uri, naming: "jwks_uri", allowQuery: true))
                } catch {
                    throw OAuthError(OAuthError.invalidClientMetadata, error.description)
                }
            default: throw invalid("uses private_key_jwt and so needs exactly one of jwks and jwks_uri (RFC 7591 §2)")
            }
        }
        let algorithm = document["token_endpoint_auth_signing_alg"]?.stringValue
        if authMethod == .privateKeyJWT, let algorithm, !ClientKeySet.algorithms.contains(algorithm) {
            throw invalid("signs its assertions with \(algorithm); this issuer verifies \(ClientKeySet.algorithms.joined(separator: " and "))")
        }
        // RFC 7591 §2: without grant_types, the client uses the authorization code grant.
        let listed = document["grant_types"]?.arrayValue?.compactMap(\.stringValue) ?? ["authorization_code"]
        let grantTypes = Self.grantTypes.filter(listed.contains)
        guard grantTypes.contains("authorization_code") else { throw invalid("does not list the authorization_code grant") }
        // Scopes this issuer knows, within what any self-registered client may hold (never mcp:admin).
        let named = document["scope"]?.stringValue.map { $0.split(separator: " ").map(String.init) }
        let scopes = named.map { ScopeList.defaultClientScopes.filter($0.contains) } ?? ScopeList.defaultClientScopes
        (self.url, self.name, self.redirectURIs, self.authMethod, self.keys) = (url, name, redirectURIs, authMethod, keys)
        (self.signingAlgorithm, self.grantTypes, self.scopes) = (authMethod == .privateKeyJWT ? algorithm : nil, grantTypes, scopes)
    }

    /// The client's preference, `token_endpoint_auth_method`, when this issuer supports it; else the first
    /// supported one of `token_endpoint_auth_methods_supported` (OpenID Connect RP Metadata Choices, which
    /// ChatGPT's document uses); with neither, `none`. `private_key_jwt` counts only with a key to check.
    private static func authMethod(_ document: [String: JSONValue], _ invalid: (String) -> OAuthError) throws(OAuthError) -> RegisteredClient.AuthMethod {
        let hasKeys = document["jwks"] != nil || document["jwks_uri"] != nil
        func usable(_ name: String) -> RegisteredClient.AuthMethod? {
            switch name {
            case "none": RegisteredClient.AuthMethod.none
            case "private_key_jwt" where hasKeys: .privateKeyJWT
            default: nil
            }
        }
        let preferred = document["token_endpoint_auth_method"]?.stringValue
        if let preferred, secretMethods.contains(preferred) {
            throw invalid("uses \(preferred); a public document cannot keep the secret it needs")
        }
        if preferred == "private_key_jwt", !hasKeys { throw invalid("uses private_key_jwt but publishes no jwks or jwks_uri") }
        if let preferred, let method = usable(preferred) { return method }
        let choices = document["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if let method = choices.lazy.compactMap(usable).first { return method }
        guard preferred == nil, choices.isEmpty else {
            throw invalid("offers no token endpoint authentication this issuer supports (none, or private_key_jwt with its keys)")
        }
        return .none
    }
}

extension RegisteredClient {
    /// A client known by its metadata document: self-registered, so its ceiling never holds mcp:admin.
    init(document: ClientMetadataDocument, fetchedAt: Int) {
        (id, secretDigest, authMethod, redirectURIs) = (document.url.text, nil, document.authMethod, document.redirectURIs)
        (grantTypes, responseTypes, name, ceiling) = (document.grantTypes, ["code"], document.name, document.scopes)
        (issuedAt, self.document) = (fetchedAt, document)
    }
}
