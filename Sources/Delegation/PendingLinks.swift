import Crypto
import Foundation
import Synchronization
import WorkshopSupport

/// Account links in progress, in memory. Each starts as a request bound to the person (issuer, subject)
/// whose tool call asked for it, lives ten minutes, and moves through three single-use handles: the request
/// id in the elicited URL, then the state of the sign-in at the home issuer, then the state of the
/// authorization at the partner (RFC 6749 §10.12). From the first page on, the browser that opened it holds a
/// cookie whose hash the record keeps: a handle presented by any other browser is refused (MCP elicitation,
/// "Phishing": the user who completes the flow must be the one who started it).
final class PendingLinks: Sendable {
    static let lifetime: TimeInterval = 600
    static let cookieName = "link_session"
    /// Requests one person may have open at once, and all people together: the oldest go first.
    static let perOwner = 5
    static let limit = 10_000

    struct Record: Sendable {
        let owner: NotesStore.Owner
        let expiresAt: Date
        var cookieHash = Data()
        /// The PKCE verifier of the authorization request in progress (RFC 7636 §4.1).
        var verifier = ""
        var stage = Stage.elicited
    }

    enum Stage: Sendable {
        case elicited, signingIn, authorizing
    }

    /// Why a handle was refused; the pages say what to do about each.
    enum Refusal: Error, Equatable {
        case unknown, expired, otherBrowser
    }

    /// Records by their current handle: a handle, once taken, is gone.
    private let records = Mutex<[String: Record]>([:])
    let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// A new request for `owner`: the id the elicited URL carries.
    func issue(for owner: NotesStore.Owner) -> String {
        let id = Self.random()
        let now = now()
        records.withLock { records in
            records = records.filter { $0.value.expiresAt > now }
            let mine = records.filter { $0.value.owner == owner }.sorted { $0.value.expiresAt < $1.value.expiresAt }
            for (handle, _) in mine.prefix(max(0, mine.count - Self.perOwner + 1)) { records[handle] = nil }
            if records.count >= Self.limit, let oldest = records.min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
                records[oldest.key] = nil
            }
            records[id] = Record(owner: owner, expiresAt: now + Self.lifetime)
        }
        return id
    }

    /// The first page: takes the request id, and gives the browser its cookie and the sign-in's state.
    func start(_ id: String) throws(Refusal) -> (owner: NotesStore.Owner, cookie: String, state: String, challenge: String) {
        let cookie = Self.random(), state = Self.random(), pkce = OAuthClient.pkce()
        var record = try take(id, at: .elicited, cookie: nil)
        record.cookieHash = Self.hash(cookie)
        record.verifier = pkce.verifier
        record.stage = .signingIn
        records.withLock { $0[state] = record }
        return (record.owner, cookie, state, pkce.challenge)
    }

    /// Back from the home issuer: the record of `state`, if this browser started it.
    func signedIn(state: String, cookie: String?) throws(Refusal) -> Record {
        try take(state, at: .signingIn, cookie: cookie)
    }

    /// On to the partner: a new state and PKCE pair for the same record.
    func authorizing(_ record: Record) -> (state: String, challenge: String) {
        let state = Self.random(), pkce = OAuthClient.pkce()
        var record = record
        record.verifier = pkce.verifier
        record.stage = .authorizing
        records.withLock { $0[state] = record }
        return (state, pkce.challenge)
    }

    /// Back from the partner: the record of `state`, which ends here.
    func callback(state: String, cookie: String?) throws(Refusal) -> Record {
        try take(state, at: .authorizing, cookie: cookie)
    }

    /// Removes and returns the record `handle` names at `stage`. A wrong browser's attempt leaves it in
    /// place, so that a stranger holding the handle cannot end the owner's link.
    private func take(_ handle: String, at stage: Stage, cookie: String?) throws(Refusal) -> Record {
        let now = now()
        let result: Result<Record, Refusal> = records.withLock { records in
            guard let record = records[handle], record.stage == stage else { return .failure(.unknown) }
            guard record.expiresAt > now else {
                records[handle] = nil
                return .failure(.expired)
            }
            if stage != .elicited {
                guard let cookie, Self.hash(cookie) == record.cookieHash else { return .failure(.otherBrowser) }
            }
            records[handle] = nil
            return .success(record)
        }
        return try result.get()
    }

    /// 256 random bits, base64url: a handle nobody can guess.
    static func random() -> String { Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }) }

    static func hash(_ cookie: String) -> Data { Data(SHA256.hash(data: Data(cookie.utf8))) }
}
