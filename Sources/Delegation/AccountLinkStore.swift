import Crypto
import Foundation
import Logging
import NIOCore
import SQLiteNIO
import WorkshopSupport

/// Each person's link with the partner: the partner's tokens, in the notes database, one row per owner
/// (issuer, subject). The tokens are sealed with AES-GCM under a key of this server (`<data-dir>/link.key`),
/// with the owner pair as associated data: a copy of the file reveals no token, and a row moved to another
/// owner does not open (MCP elicitation, "URL Mode Elicitation for OAuth Flows": tokens bound to the user).
struct AccountLinkStore: Sendable {
    static let schema = """
        CREATE TABLE IF NOT EXISTS partner_links (
            owner_issuer TEXT NOT NULL,
            owner_subject TEXT NOT NULL,
            sealed BLOB NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (owner_issuer, owner_subject)
        ) STRICT
        """

    let database: NotesDatabase
    let key: SymmetricKey
    let logger: Logger

    /// Opens the table in the notes database and the key beside it, creating both on first start.
    static func open(notes: NotesStore, keyFile: URL, logger: Logger) async throws -> AccountLinkStore {
        let key = try LinkKey.load(keyFile)
        try await notes.database.write { db in _ = try await db.query(schema) }
        return AccountLinkStore(database: notes.database, key: key, logger: logger)
    }

    /// Saves (or replaces) the owner's tokens.
    func save(_ tokens: OAuthClient.Tokens, for owner: NotesStore.Owner) async throws {
        let sealed = try seal(tokens, for: owner)
        let now = ISO8601DateFormatter().string(from: Date())
        try await database.write { db in
            _ = try await db.query(
                """
                INSERT INTO partner_links (owner_issuer, owner_subject, sealed, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (owner_issuer, owner_subject) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at
                """,
                [.text(owner.issuer), .text(owner.subject), .blob(ByteBuffer(bytes: sealed)), .text(now)])
        }
    }

    /// Replaces the owner's tokens with `new` only while they are still `old`, in one transaction: a refresh
    /// that ends after an unlink, or after a new link, stores nothing. True when replaced.
    func replace(_ old: OAuthClient.Tokens, with new: OAuthClient.Tokens, for owner: NotesStore.Owner) async throws -> Bool {
        let sealed = try seal(new, for: owner)
        let now = ISO8601DateFormatter().string(from: Date())
        return try await database.write { db in
            let rows = try await db.query(
                "SELECT sealed FROM partner_links WHERE owner_issuer = ? AND owner_subject = ?", [.text(owner.issuer), .text(owner.subject)])
            guard let blob = rows.first?.column("sealed")?.blob, open(Data(blob.readableBytesView), for: owner) == old else { return false }
            _ = try await db.query(
                "UPDATE partner_links SET sealed = ?, updated_at = ? WHERE owner_issuer = ? AND owner_subject = ?",
                [.blob(ByteBuffer(bytes: sealed)), .text(now), .text(owner.issuer), .text(owner.subject)])
            return true
        }
    }

    /// The owner's tokens; nil when there is no link, or when its row does not open for this owner.
    func tokens(for owner: NotesStore.Owner) async throws -> OAuthClient.Tokens? {
        let rows = try await database.read { db in
            try await db.query(
                "SELECT sealed FROM partner_links WHERE owner_issuer = ? AND owner_subject = ?", [.text(owner.issuer), .text(owner.subject)])
        }
        guard let blob = rows.first?.column("sealed")?.blob else { return nil }
        guard let tokens = open(Data(blob.readableBytesView), for: owner) else {
            logger.warning("A partner link does not open for its owner: it is ignored", metadata: ["sub": "\(owner.subject)"])
            return nil
        }
        return tokens
    }

    /// Deletes the owner's link; true when there was one.
    @discardableResult
    func delete(for owner: NotesStore.Owner) async throws -> Bool {
        let deleted = try await database.write { db in
            try await db.query(
                "DELETE FROM partner_links WHERE owner_issuer = ? AND owner_subject = ? RETURNING owner_subject",
                [.text(owner.issuer), .text(owner.subject)])
        }
        return !deleted.isEmpty
    }

    /// Deletes the owner's link only while it still holds `tokens`: a refusal of old tokens ends no newer link.
    func delete(_ tokens: OAuthClient.Tokens, for owner: NotesStore.Owner) async throws {
        try await database.write { db in
            let rows = try await db.query(
                "SELECT sealed FROM partner_links WHERE owner_issuer = ? AND owner_subject = ?", [.text(owner.issuer), .text(owner.subject)])
            guard let blob = rows.first?.column("sealed")?.blob, open(Data(blob.readableBytesView), for: owner) == tokens else { return }
            _ = try await db.query(
                "DELETE FROM partner_links WHERE owner_issuer = ? AND owner_subject = ?", [.text(owner.issuer), .text(owner.subject)])
        }
    }

    /// The owner pair as associated data: two JSON strings, so that no two pairs encode alike.
    static func associatedData(_ owner: NotesStore.Owner) -> Data {
        JSONValue.array([.string(owner.issuer), .string(owner.subject)]).encoded()
    }

    func seal(_ tokens: OAuthClient.Tokens, for owner: NotesStore.Owner) throws -> Data {
        let plaintext = try JSONEncoder().encode(tokens)
        // A random 96-bit nonce for each seal (NIST SP 800-38D §8.2.2); the combined form carries it.
        return try AES.GCM.seal(plaintext, using: key, authenticating: Self.associatedData(owner)).combined!
    }

    func open(_ sealed: Data, for owner: NotesStore.Owner) -> OAuthClient.Tokens? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
            let plaintext = try? AES.GCM.open(box, using: key, authenticating: Self.associatedData(owner))
        else { return nil }
        return try? JSONDecoder().decode(OAuthClient.Tokens.self, from: plaintext)
    }
}
