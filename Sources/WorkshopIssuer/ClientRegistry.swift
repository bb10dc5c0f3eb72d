/// The registered clients, in memory: a restart forgets them, and at most `limit` are kept.
actor ClientRegistry {
    private var clients: [String: RegisteredClient] = [:]
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Adds a client; fails when the registry is full, so that a flood of registrations cannot exhaust memory.
    func add(_ client: RegisteredClient) throws(OAuthError) {
        guard clients.count < limit else { throw OAuthError.full("registered clients") }
        clients[client.id] = client
    }

    func client(_ id: String) -> RegisteredClient? {
        clients[id]
    }

    var count: Int { clients.count }
}
