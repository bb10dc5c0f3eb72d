import Foundation

/// Client ID Metadata Documents and the key sets they name, fetched once and kept as long as their
/// `Cache-Control` allows, within fixed bounds (draft-ietf-oauth-client-id-metadata-document §5.2,
/// RFC 9111): a client the issuer has met costs no fetch, and a failed fetch or an invalid document is
/// never kept (§5.2). Requests for one URL share one fetch, and fetches under way are capped, in all and
/// per host, so a slow or hostile host delays only the clients whose documents it serves.
actor DocumentCache {
    private struct Entry: Sendable {
        let value: any Sendable
        let expiresAt: Int
    }

    private var entries: [String: Entry] = [:]
    private var inFlight: [String: Task<Result<Entry, OAuthError>, Never>] = [:]
    private var perHost: [String: Int] = [:]
    let fetcher: DocumentFetcher
    let settings: DocumentSettings
    let now: @Sendable () -> Int

    init(settings: DocumentSettings, now: @escaping @Sendable () -> Int) {
        self.settings = settings
        self.fetcher = DocumentFetcher(settings: settings)
        self.now = now
    }

    /// What `parse` makes of the body at `url`, kept under `kind` ("document", "key set").
    func value<Value: Sendable>(
        of url: ClientIDURL, kind: String, limit: Int, parse: @escaping @Sendable (Data) throws(OAuthError) -> Value
    ) async throws(OAuthError) -> Value {
        let key = kind + " " + url.text
        if let entry = entries[key], entry.expiresAt > now(), let value = entry.value as? Value { return value }
        let task: Task<Result<Entry, OAuthError>, Never>
        if let shared = inFlight[key] {
            task = shared
        } else {
            guard inFlight.count < settings.fetchesInFlight, perHost[url.host, default: 0] < settings.fetchesPerHost else {
                var busy = OAuthError(
                    OAuthError.temporarilyUnavailable, "The issuer is fetching too many client metadata documents right now; try again in a few seconds.",
                    status: .serviceUnavailable)
                busy.retryAfter = 5
                throw busy.detailed("\(inFlight.count) fetches under way, \(perHost[url.host, default: 0]) from \(url.host)")
            }
            task = Task { [fetcher, settings, now] in
                do throws(OAuthError) {
                    let fetched = try await fetcher.fetch(url, limit: limit)
                    let value = try parse(fetched.body)
                    return .success(Entry(value: value, expiresAt: now() + Self.lifetime(of: fetched.cacheControl, settings)))
                } catch {
                    return .failure(error)
                }
            }
            inFlight[key] = task
            perHost[url.host, default: 0] += 1
            defer {
                inFlight[key] = nil
                perHost[url.host, default: 1] -= 1
                if perHost[url.host] == 0 { perHost[url.host] = nil }
            }
            let result = await task.value
            if case .success(let entry) = result, entry.expiresAt > now() { keep(entry, as: key) }
            return try value(result)
        }
        return try value(await task.value)
    }

    private func value<Value>(_ result: Result<Entry, OAuthError>) throws(OAuthError) -> Value {
        let entry = try result.get()
        guard let value = entry.value as? Value else {
            throw OAuthError("server_error", "A cached client document had an unexpected type.", status: .internalServerError)
        }
        return value
    }

    /// Seconds to keep what was fetched: `no-store` and `no-cache` are obeyed (RFC 9111 §5.2.2.4-5);
    /// a `max-age` is held within the issuer's bounds (§5.2 allows them); without one, the default.
    static func lifetime(of cacheControl: String?, _ settings: DocumentSettings) -> Int {
        let directives = (cacheControl ?? "").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if directives.contains("no-store") || directives.contains("no-cache") { return 0 }
        guard let maxAge = directives.first(where: { $0.hasPrefix("max-age=") }).flatMap({ Int($0.dropFirst(8)) }) else {
            return settings.defaultLifetime
        }
        return min(max(maxAge, settings.lifetimes.lowerBound), settings.lifetimes.upperBound)
    }

    /// Keeps an entry; when full, what has expired goes first, then what expires soonest.
    private func keep(_ entry: Entry, as key: String) {
        if entries[key] == nil, entries.count >= settings.cachedEntries {
            let moment = now()
            entries = entries.filter { $0.value.expiresAt > moment }
            if entries.count >= settings.cachedEntries, let soonest = entries.min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
                entries[soonest.key] = nil
            }
        }
        entries[key] = entry
    }
}
