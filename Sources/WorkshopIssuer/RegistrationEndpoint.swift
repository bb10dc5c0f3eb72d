import Hummingbird

/// `POST /register`: open dynamic client registration (RFC 7591 §3). A confidential client gets a secret
/// that is shown once; the issuer keeps only its digest.
struct RegistrationEndpoint: Sendable {
    let settings: IssuerSettings
    let registry: ClientRegistry

    func handle(_ request: Request, context: some RequestContext) async -> Response {
        do throws(OAuthError) {
            let metadata = try await IssuerRequest.jsonObject(request, limit: settings.limits.bodyBytes)
            let registration = try ClientRegistration(metadata)
            let secret = registration.authMethod == .none ? nil : Secret.random()
            let client = RegisteredClient(
                id: Secret.random(bits: 128), secretDigest: secret.map(Secret.digest), registration: registration,
                issuedAt: settings.now())
            try await registry.add(client)
            context.logger.info(
                "Registered a client",
                metadata: [
                    "client_id": "\(client.id)", "auth_method": "\(client.authMethod.rawValue)",
                    "grant_types": "\(client.grantTypes.joined(separator: " "))", "redirect_uris": "\(client.redirectURIs.count)",
                    "scope": "\(ScopeList.text(client.ceiling))",
                ])
            return IssuerReply.json(client.information(secret: secret), status: .created)
        } catch {
            context.logger.info("Client registration refused", metadata: ["error": "\(error.code)", "reason": "\(error.safeDescription)"])
            return IssuerReply.error(error)
        }
    }
}
