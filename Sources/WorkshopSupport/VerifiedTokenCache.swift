import Foundation
import Synchronization

/// Access tokens that already passed every check, with what they were verified to say, so that a
/// client sending the same token again is spared the signature verification (tutorial chapter 11).
/// Keyed by the exact token, bounded, never used at or after the token's expiry, and emptied whenever
/// the keys that verify tokens change, so that a withdrawn key stops vouching at once.
///
/// `@inlinable` and `@usableFromInline` are for speed alone: a generic type of another module is
/// compiled once for every `Verified`, through indirections, unless its code is visible to the module
/// that uses it, which then compiles a copy for its own `Verified`.
public final class VerifiedTokenCache<Verified: Sendable>: Sendable {
    public let capacity: Int
    /// When a verified token stops being valid: its `exp`, with no leeway.
    @usableFromInline let expiry: @Sendable (Verified) -> Date

    @usableFromInline struct State {
        @usableFromInline var entries: [String: Verified] = [:]
        /// The key generation the entries were verified with.
        @usableFromInline var keyGeneration = 0

        @inlinable init(keyGeneration: Int = 0) { self.keyGeneration = keyGeneration }

        /// Newer keys: forget what older ones vouched for. Older ones (a request that read the
        /// generation before it moved) change nothing.
        @inlinable mutating func moveOn(to generation: Int) {
            if generation > keyGeneration { self = State(keyGeneration: generation) }
        }
    }
    @usableFromInline let state = Mutex(State())

    public init(capacity: Int = 1024, expiry: @escaping @Sendable (Verified) -> Date) {
        self.capacity = capacity
        self.expiry = expiry
    }

    /// What `token` was verified to say: remembered, or else what `verify` says, remembered if it
    /// succeeds. `keyGeneration` numbers the keys tokens are verified with, and only grows; when it moves
    /// on, whatever older keys vouched for is forgotten. It is read before `verify` runs, so that a token
    /// verified while the keys changed is not remembered.
    @inlinable public func verified(_ token: String, keyGeneration: Int = 0, now: Date = Date(), verify: () async throws -> Verified)
        async rethrows -> Verified
    {
        if let known = lookup(token, keyGeneration: keyGeneration, now: now) { return known }
        let verified = try await verify()
        store(token, verified, keyGeneration: keyGeneration, now: now)
        return verified
    }

    /// What `token` was verified to say, if it was verified with keys of `keyGeneration` and has not expired.
    @inlinable public func lookup(_ token: String, keyGeneration: Int = 0, now: Date = Date()) -> Verified? {
        state.withLock { state in
            state.moveOn(to: keyGeneration)
            guard state.keyGeneration == keyGeneration, let verified = state.entries[token] else { return nil }
            guard now < expiry(verified) else {
                state.entries[token] = nil
                return nil
            }
            return verified
        }
    }

    /// Remembers a token verified with the keys of `keyGeneration`, unless newer keys have been seen since.
    @inlinable public func store(_ token: String, _ verified: Verified, keyGeneration: Int = 0, now: Date = Date()) {
        guard now < expiry(verified) else { return }
        state.withLock { state in
            state.moveOn(to: keyGeneration)
            guard state.keyGeneration == keyGeneration else { return }
            if state.entries.count >= capacity {
                state.entries = state.entries.filter { now < expiry($0.value) }
            }
            // Still full of live tokens: drop any one, so memory stays bounded whatever clients send.
            if state.entries.count >= capacity, let any = state.entries.keys.first {
                state.entries[any] = nil
            }
            state.entries[token] = verified
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }
}
