import CryptoExtras
import Logging
import Synchronization
import WorkshopSupport

/// The signing keys of every trusted issuer, kept per issuer so that one issuer's key can never
/// vouch for another's tokens. Keys come from each issuer's `jwks_uri` (RFC 8414 §2) and are fetched
/// again when a token names a key id we do not know: issuers rotate keys (RFC 7517 §5, OIDC Core §10.1.1).
final class IssuerKeys: Sendable {
    /// The workshop issuer's key also lives in `keys/`, so tokens from the offline token desk work
    /// while the issuer is not running. No other issuer is trusted with it.
    let local: (issuer: String, keys: TrustedKeys)?
    let discovery = IssuerDiscovery()
    /// An unknown `kid` sends us to the issuer at most this often, so bad tokens cannot make us flood it.
    let refetchInterval: Duration
    let logger: Logger

    private struct Fetched {
        var keys: [String: _RSA.Signing.PublicKey] = [:]
        var lastAttempt: ContinuousClock.Instant?
        var inFlight: Task<Bool, Never>?
    }
    private let fetched = Mutex<[String: Fetched]>([:])
    /// Counts fetches that replaced keys, so that whatever older keys vouched for can be forgotten.
    private let changes = Atomic<Int>(0)
    var generation: Int { changes.load(ordering: .acquiring) }

    init(local: (issuer: String, keys: TrustedKeys)?, refetchInterval: Duration = .seconds(30), logger: Logger) {
        self.local = local
        self.refetchInterval = refetchInterval
        self.logger = logger
    }

    /// The key `kid` of `issuer`, if we hold it.
    func key(_ kid: String, of issuer: String) -> _RSA.Signing.PublicKey? {
        if let local, local.issuer == issuer, let key = local.keys.keys[kid] { return key }
        return fetched.withLock { $0[issuer]?.keys[kid] }
    }

    /// Fetches the issuer's keys again unless that was tried within `refetchInterval`; concurrent
    /// callers share one fetch. True when the fetch succeeded, so a lookup is worth retrying.
    func refresh(_ issuer: String) async -> Bool {
        let fetch: Task<Bool, Never>? = fetched.withLock { issuers in
            if let running = issuers[issuer]?.inFlight { return running }
            if let last = issuers[issuer]?.lastAttempt, last.duration(to: .now) < refetchInterval { return nil }
            let task = Task { await self.fetch(issuer) }
            issuers[issuer, default: Fetched()].lastAttempt = .now
            issuers[issuer]?.inFlight = task
            return task
        }
        guard let fetch else {
            logger.debug("Not asking the issuer for keys again so soon", metadata: ["issuer": "\(issuer)"])
            return false
        }
        return await fetch.value
    }

    private func fetch(_ issuer: String) async -> Bool {
        do throws(IssuerDiscovery.Failure) {
            let keys = try await discovery.keys(of: issuer)
            fetched.withLock { issuers in
                issuers[issuer]?.keys = keys
                issuers[issuer]?.inFlight = nil
            }
            changes.add(1, ordering: .releasing)
            logger.info("Fetched the issuer's signing keys", metadata: ["issuer": "\(issuer)", "kids": "\(keys.keys.sorted())"])
            return true
        } catch {
            fetched.withLock { $0[issuer]?.inFlight = nil }
            let level: Logger.Level = local?.issuer == issuer ? .info : .warning
            logger.log(level: level, "Could not fetch the issuer's signing keys", metadata: ["issuer": "\(issuer)", "reason": "\(error)"])
            return false
        }
    }
}

extension IssuerKeys {
    /// Fetches, in the background, the keys of every issuer not served from `keys/`, so that an issuer
    /// that cannot be reached shows in the log at start-up rather than at the first token.
    func prefetch(_ issuers: [String]) {
        for issuer in issuers where issuer != local?.issuer {
            Task { _ = await refresh(issuer) }
        }
    }
}
