import Foundation
import WorkshopSupport

/// A client the issuer knows: registered through RFC 7591, pre-configured by the operator
/// (`--clients-file`), or known by its metadata document (its client_id is the document's URL).
/// What it may do, the scopes it may ever hold, and how it authenticates: a secret's digest, or the
/// keys its document names.
struct RegisteredClient: Sendable {
    /// RFC 7591 §2 `token_endpoint_auth_method` values this issuer supports.
    enum AuthMethod: String, Sendable, CaseIterable {
        case none
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
        /// A JWT signed with a key the client publishes (RFC 7523 §2.2, OpenID Connect Core §9): only
        /// for clients known by a metadata document, whose keys are in it.
        case privateKeyJWT = "private_key_jwt"
    }

    let id: String
    let secretDigest: Data?
    let authMethod: AuthMethod
    let redirectURIs: [String]
    let grantTypes: [String]
    let responseTypes: [String]
    let name: String?
    /// Every grant to this client lies within these scopes: the ones it registered, or
    /// `ScopeList.defaultClientScopes` when it registered none.
    let ceiling: [String]
    let issuedAt: Int
    /// Configured by the operator rather than self-registered: its name is vouched for, and it may
    /// hold `mcp:admin` if its scope says so.
    var preconfigured = false
    /// A resource server the operator allows to introspect tokens (RFC 7662 §4); never a self-registered client.
    var mayIntrospect = false
    /// What it may get by token exchange (RFC 8693); never for a self-registered client.
    var tokenExchange: TokenExchangePolicy?
    /// For a client known by its metadata document: the document, whose host vouches for it.
    var document: ClientMetadataDocument?
    /// The OpenID Connect `application_type` it registered with, `web` unless it said `native`.
    var applicationType: String?

    init(id: String, secretDigest: Data?, registration: ClientRegistration, issuedAt: Int, preconfigured: Bool = false) {
        (self.id, self.secretDigest, self.issuedAt, self.preconfigured) = (id, secretDigest, issuedAt, preconfigured)
        (authMethod, redirectURIs, grantTypes) = (registration.authMethod, registration.redirectURIs, registration.grantTypes)
        (responseTypes, name, ceiling) = (registration.responseTypes, registration.name, registration.scopes ?? ScopeList.defaultClientScopes)
        applicationType = registration.applicationType
    }

    /// A confidential client authenticates with a secret (RFC 6749 §2.1).
    var isConfidential: Bool { authMethod != .none }

    func allows(grant: String) -> Bool { grantTypes.contains(grant) }

    /// The name the sign-in page shows: the registered one, or the client id.
    var displayName: String { name ?? id }

    /// True when `secret` is this client's secret, compared in constant time.
    func verifies(secret: String) -> Bool {
        guard let secretDigest else { return false }
        return Secret.constantTimeEquals(Secret.digest(secret), secretDigest)
    }

    /// The client information response (RFC 7591 §3.2.1): all it registered, with the scope the issuer
    /// gave it when it asked for none, and the secret only when it was just issued.
    func information(secret: String?) -> JSONValue {
        var body: [String: JSONValue] = [
            "client_id": .string(id), "client_id_issued_at": .int(issuedAt),
            "token_endpoint_auth_method": .string(authMethod.rawValue),
            "redirect_uris": .array(redirectURIs.map { .string($0) }),
            "grant_types": .array(grantTypes.map { .string($0) }),
            "response_types": .array(responseTypes.map { .string($0) }),
            "scope": .string(ScopeList.text(ceiling)),
        ]
        if let secret {
            body["client_secret"] = .string(secret)
            body["client_secret_expires_at"] = 0  // it does not expire
        }
        if let name { body["client_name"] = .string(name) }
        if let applicationType { body["application_type"] = .string(applicationType) }
        return .object(body)
    }
}
