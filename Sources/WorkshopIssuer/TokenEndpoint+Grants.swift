extension TokenEndpoint {
    /// RFC 6749 §6: a narrower scope or one of the granted resources may be asked for; the refresh token rotates.
    func refresh(_ form: FormParameters, client: RegisteredClient) async throws(OAuthError) -> GrantStore.Issued {
        guard client.allows(grant: "refresh_token") else {
            throw OAuthError(OAuthError.unauthorizedClient, "This client did not register for the refresh_token grant.")
        }
        guard let token = try form.value("refresh_token") else {
            throw OAuthError(OAuthError.invalidRequest, "refresh_token is required.")
        }
        let scope = try form.value("scope")
        let resource = try form.value("resource")
        return try await store.rotate(refreshToken: token, clientID: client.id) { grant throws(OAuthError) in
            guard grant.authMethod == client.authMethod else {
                throw OAuthError(
                    OAuthError.invalidGrant,
                    "The client authenticates with \(client.authMethod.rawValue) now, but the grant began when it used \(grant.authMethod.rawValue).")
            }
            var scopes = grant.scopes
            if let scope {
                guard let asked = ScopeList.parse(scope), asked.allSatisfy(grant.scopes.contains) else {
                    throw OAuthError(OAuthError.invalidScope, "A refresh may ask for the granted scopes or fewer, never more.")
                }
                scopes = asked
            }
            let target = resource ?? grant.resources[0]
            guard grant.resources.contains(target) else {
                throw OAuthError(OAuthError.invalidTarget, "resource must be one that was authorized.")
            }
            return (scopes, target)
        }
    }

    /// RFC 6749 §4.4: a confidential client gets a token for itself: its sub is its client_id, and it has no roles.
    func clientCredentials(_ form: FormParameters, client: RegisteredClient) async throws(OAuthError) -> GrantStore.Issued {
        guard client.isConfidential, client.allows(grant: "client_credentials") else {
            throw OAuthError(OAuthError.unauthorizedClient, "Only a confidential client registered for client_credentials may use it.")
        }
        // No user consents to a client_credentials grant: the client gets its ceiling or less, and asking
        // for more is an error rather than a silent narrowing, since no person chose it.
        let scopes = try ScopeList.requested(form.value("scope")) ?? client.ceiling
        guard ScopeList.within(scopes, client.ceiling) == scopes else {
            throw OAuthError(OAuthError.invalidScope, "This client may hold only \(ScopeList.text(client.ceiling)).")
        }
        let resource = try settings.resource(requested: form.value("resource"))
        return await store.issueToClient(client.id, authMethod: client.authMethod, scopes: scopes, resource: resource)
    }
}
