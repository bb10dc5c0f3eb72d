import Foundation
import Synchronization

/// Access tokens that already passed every check, so that a client sending the same token again
/// skips the RSA verification. Keyed by the exact token, bounded, never used at or after the token's
/// `exp`, and emptied whenever the issuers' keys change, so a withdrawn key stops vouching at once.
final class VerifiedTokenCache: Sendable {
    let capacity: Int
    let keys: IssuerKeys

    private struct State {
        var entries: [String: VerifiedToken] = [:]
        /// The key generation the entries were verified with.
        var keyGeneration = 0
    }
    private let state = Mutex(State())

    init(keys: IssuerKeys, capacity: Int = 1024) {
        self.keys = keys
        self.capacity = capacity
    }

    /// The claims of `token` if it was verified with the current keys and has not expired.
    func lookup(_ token: String, now: Date = Date()) -> VerifiedToken? {
        let generation = keys.generation
        return state.withLock { state in
            guard state.keyGeneration == generation else {
                state = State(keyGeneration: generation)
                return nil
            }
            guard let verified = state.entries[token] else { return nil }
            // The verifier grants `exp` some leeway for clock skew; the cache grants none.
            guard now < verified.expiresAt else {
                state.entries[token] = nil
                return nil
            }
            return verified
        }
    }

    /// Remembers a token verified with the keys of `generation` (read before verifying); if the keys
    /// changed meanwhile, the token is not remembered.
    func store(_ token: String, _ verified: VerifiedToken, keyGeneration generation: Int, now: Date = Date()) {
        guard generation == keys.generation, now < verified.expiresAt else { return }
        state.withLock { state in
            guard state.keyGeneration == generation else { return }
            if state.entries.count >= capacity {
                state.entries = state.entries.filter { now < $0.value.expiresAt }
            }
            // Still full of live tokens: drop any one, so memory stays bounded whatever clients send.
            if state.entries.count >= capacity, let any = state.entries.keys.first {
                state.entries[any] = nil
            }
            state.entries[token] = verified
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
