import Foundation
import WorkshopSupport

/// A client registered through RFC 7591: what it may do and, for a confidential client, its secret's digest.
struct RegisteredClient: Sendable {
    /// RFC 7591 §2 `token_endpoint_auth_method` values this issuer supports.
    enum AuthMethod: String, Sendable, CaseIterable {
        case none
        case clientSecretBasic = "client_secret_basic"
        case clientSecretPost = "client_secret_post"
    }

    let id: String
    let secretDigest: Data?
    let authMethod: AuthMethod
    let redirectURIs: [String]
    let grantTypes: [String]
    let responseTypes: [String]
    let name: String?
    /// The scopes it registered for; nil means any supported scope.
    let scopes: [String]?
    let issuedAt: Int

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

    /// The client information response (RFC 7591 §3.2.1), with the secret only when it was just issued.
    func information(secret: String?) -> JSONValue {
        var body: [String: JSONValue] = [
            "client_id": .string(id), "client_id_issued_at": .int(issuedAt),
            "token_endpoint_auth_method": .string(authMethod.rawValue),
            "redirect_uris": .array(redirectURIs.map { .string($0) }),
            "grant_types": .array(grantTypes.map { .string($0) }),
            "response_types": .array(responseTypes.map { .string($0) }),
        ]
        if let secret {
            body["client_secret"] = .string(secret)
            body["client_secret_expires_at"] = 0  // it does not expire
        }
        if let name { body["client_name"] = .string(name) }
        if let scopes { body["scope"] = .string(scopes.joined(separator: " ")) }
        return .object(body)
    }
}
