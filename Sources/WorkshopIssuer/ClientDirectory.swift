import Foundation
import WorkshopSupport

/// Finds the client a request names: one the issuer registered (RFC 7591) or was configured with, or
/// one whose client_id is the https URL of its metadata document (draft-ietf-oauth-client-id-metadata-document
/// §5), fetched or taken from the cache and checked on every use, so a document's changes count at once.
struct ClientDirectory: Sendable {
    let registry: ClientRegistry
    let documents: DocumentCache
    let settings: IssuerSettings

    init(settings: IssuerSettings, registry: ClientRegistry) {
        self.settings = settings
        self.registry = registry
        documents = DocumentCache(settings: settings.documents, now: settings.now)
    }

    /// The client, or nil when no client has this id; a URL whose document cannot be used is an error saying why.
    func client(_ id: String) async throws(OAuthError) -> RegisteredClient? {
        guard ClientIDURL.isCandidate(id) else { return await registry.client(id) }
        let url = try ClientIDURL(id)
        let document = try await documents.value(of: url, kind: "document", limit: settings.documents.documentBytes) {
            body throws(OAuthError) in try ClientMetadataDocument(body, fetchedFrom: url)
        }
        return RegisteredClient(document: document, fetchedAt: settings.now())
    }

    /// The public keys a `private_key_jwt` client signs with: in its document, or at its `jwks_uri`,
    /// which is fetched as carefully as the document itself (§8.6 covers every URL in a document).
    func keys(of document: ClientMetadataDocument) async throws(OAuthError) -> ClientKeySet {
        switch document.keys {
        case .inline(let keys):
            return keys
        case .uri(let url):
            return try await documents.value(of: url, kind: "key set", limit: settings.documents.keySetBytes) { body throws(OAuthError) in
                guard let jwks = try? JSONValue(parsingUniqueKeys: body) else {
                    throw OAuthError(OAuthError.invalidClient, "The client's jwks_uri at \(url.host) is not JSON.")
                }
                return try ClientKeySet(jwks, source: "jwks_uri")
            }
        case nil:
            throw OAuthError.clientAuthentication("This client publishes no keys.")
        }
    }
}
