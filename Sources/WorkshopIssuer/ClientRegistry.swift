/// The clients the issuer knows, in memory: the operator's, and at most `limit` self-registered ones,
/// which a restart forgets.
actor ClientRegistry {
    private var clients: [String: RegisteredClient] = [:]
    private let preconfigured: [String: RegisteredClient]
    let limit: Int

    init(limit: Int, preconfigured: [RegisteredClient] = []) {
        self.limit = limit
        self.preconfigured = Dictionary(preconfigured.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Adds a client; fails when the registry is full, so that a flood of registrations cannot exhaust memory.
    func add(_ client: RegisteredClient) throws(OAuthError) {
        guard clients.count < limit else { throw OAuthError.full("registered clients") }
        clients[client.id] = client
    }

    func client(_ id: String) -> RegisteredClient? {
        preconfigured[id] ?? clients[id]
    }

    var count: Int { clients.count }
}
