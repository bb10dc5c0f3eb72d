import Hummingbird
import WorkshopSupport

/// The issuer's RFC 8414 metadata, served also as `/.well-known/openid-configuration` for clients that
/// look there (MCP authorization, "Authorization Server Metadata Discovery"). It says only what is true.
struct IssuerMetadata: Sendable {
    static let paths = ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]
    static let endpoints = (
        authorize: "/authorize", token: "/token", register: "/register", jwks: "/jwks.json",
        introspect: "/introspect", revoke: "/revoke"
    )

    let document: JSONValue

    init(settings: IssuerSettings) {
        let url = settings.url
        let endpoints = Self.endpoints
        let clientMethods = RegisteredClient.AuthMethod.allCases.map { JSONValue.string($0.rawValue) }
        document = [
            "issuer": .string(settings.issuer),
            "authorization_endpoint": .string(url(endpoints.authorize)),
            "token_endpoint": .string(url(endpoints.token)),
            "registration_endpoint": .string(url(endpoints.register)),
            "jwks_uri": .string(url(endpoints.jwks)),
            "introspection_endpoint": .string(url(endpoints.introspect)),
            "revocation_endpoint": .string(url(endpoints.revoke)),
            "scopes_supported": .array(ScopeList.supported.map { .string($0) }),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", .string(TokenExchangePolicy.grantType)],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": .array(clientMethods),
            "token_endpoint_auth_signing_alg_values_supported": .array(ClientKeySet.algorithms.map { .string($0) }),
            // RFC 7662 §2.1: introspection is for confidential clients only.
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": .array(clientMethods),
            "revocation_endpoint_auth_signing_alg_values_supported": .array(ClientKeySet.algorithms.map { .string($0) }),
            "authorization_response_iss_parameter_supported": true,
            // draft-ietf-oauth-client-id-metadata-document §6: a client_id may be the https URL of its metadata document.
            "client_id_metadata_document_supported": true,
        ]
    }

    /// Public, and checked again before each reuse: a restart with other options changes it.
    func response() -> Response {
        IssuerReply.json(document, cache: "no-cache")
    }
}
