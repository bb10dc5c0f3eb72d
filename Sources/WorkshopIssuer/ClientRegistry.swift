/// The clients the issuer knows, in memory: the operator's, and at most `limit` self-registered ones,
/// which a restart forgets. Registration never closes for good: when it is full, a client that never
/// got a token within `unusedLifetime` of registering, or whose grants have all ended, makes room; failing
/// that, the oldest client that never got a token (RFC 7591 §5 leaves registration policy to the server).
actor ClientRegistry {
    private struct Entry {
        let client: RegisteredClient
        /// When it last got a token: nil while it has never completed a grant.
        var lastToken: Int?
    }

    private var clients: [String: Entry] = [:]
    private let preconfigured: [String: RegisteredClient]
    private let settings: IssuerSettings

    init(settings: IssuerSettings) {
        self.settings = settings
        preconfigured = Dictionary(settings.clients.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Adds a client, making room as above; 503 only when every registered client is in use.
    func add(_ client: RegisteredClient) throws(OAuthError) {
        if clients.count >= settings.limits.clients { forgetUnused() }
        guard clients.count < settings.limits.clients else {
            let ends = clients.values.compactMap { $0.lastToken.map { $0 + idleLifetime } }
            throw .full("registered clients in use", retryAfter: GrantStore.wait(until: ends, now: settings.now()))
        }
        clients[client.id] = Entry(client: client)
    }

    func client(_ id: String) -> RegisteredClient? {
        preconfigured[id] ?? clients[id]?.client
    }

    /// Notes that the client got a token: it is in use until its grants can have ended.
    func gotToken(_ id: String) {
        clients[id]?.lastToken = settings.now()
    }

    var count: Int { clients.count }

    /// After this long without a token, none of a client's grants is alive any more.
    private var idleLifetime: Int { max(settings.refreshLifetime, settings.tokenLifetime) }

    private func forgetUnused() {
        let now = settings.now()
        clients = clients.filter { _, entry in
            guard let last = entry.lastToken else { return entry.client.issuedAt + settings.unusedClientLifetime > now }
            return last + idleLifetime > now
        }
        guard clients.count >= settings.limits.clients,
            let oldest = clients.filter({ $0.value.lastToken == nil }).min(by: { $0.value.client.issuedAt < $1.value.client.issuedAt })
        else { return }
        clients[oldest.key] = nil
    }
}
