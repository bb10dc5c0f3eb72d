import Foundation
import Logging
import SQLiteNIO
import WorkshopSupport

/// Notes, each owned by one person: the pair (issuer, subject) of the token that wrote it, since a
/// subject is unique only within its issuer (RFC 9068 §2.2, OpenID Connect Core §5.7). They live in
/// SQLite (`NotesDatabase`): every change is one transaction, quotas are checked inside the
/// transaction that writes, and two servers may share one file without losing a note.
struct NotesStore: Sendable {
    struct Owner: Sendable, Hashable {
        let issuer: String
        let subject: String
    }

    struct Note: Sendable, Equatable {
        let id: String
        let owner: Owner
        let title: String
        let text: String
        let createdAt: String
    }

    /// A note as lists show it: everything but its text.
    struct Summary: Sendable, Equatable {
        let id: String
        let owner: Owner
        let title: String
        let createdAt: String
    }

    struct StoreError: Error, CustomStringConvertible {
        let description: String
    }

    /// How much one person, and everyone together, may keep. Sizes are the UTF-8 bytes of titles and
    /// texts, as SQLite stores them: a control character costs one byte.
    struct Quota: Sendable {
        var notesPerOwner = 100
        var bytesPerOwner = 1 << 20
        var totalBytes = 64 << 20

        static let standard = Quota()
    }

    let database: NotesDatabase
    let quota: Quota
    let logger: Logger

    /// Saves a note if it fits the quotas, which are read inside the transaction that writes: two calls,
    /// even from two processes, cannot both take the last free place.
    func create(owner: Owner, title: String, text: String) async throws(StoreError) -> Note {
        let note = Note(
            id: Self.newID(), owner: owner, title: title, text: text, createdAt: ISO8601DateFormatter().string(from: Date()))
        let (bytes, quota, logger) = (title.utf8.count + text.utf8.count, quota, logger)
        try await write(failing: "The note could not be saved.") { db in
            let owned = try await db.query(
                "SELECT count(*) AS notes, coalesce(sum(bytes), 0) AS bytes FROM notes WHERE owner_issuer = ? AND owner_subject = ?",
                [.text(owner.issuer), .text(owner.subject)])[0]
            let everyone = try await db.query("SELECT bytes FROM totals")[0]
            guard owned.int("notes") < quota.notesPerOwner else {
                throw StoreError(description: "You already have \(quota.notesPerOwner) notes; delete one first.")
            }
            guard owned.int("bytes") + bytes <= quota.bytesPerOwner else {
                throw StoreError(
                    description: "Your notes may hold \(quota.bytesPerOwner) bytes in all, and this one does not fit; delete one first.")
            }
            guard everyone.int("bytes") + bytes <= quota.totalBytes else {
                logger.warning("Notes store is full", metadata: ["limit": "\(quota.totalBytes) bytes"])
                throw StoreError(description: "The server's notes store is full; no note can be saved until some are deleted.")
            }
            _ = try await db.query(
                "INSERT INTO notes (id, owner_issuer, owner_subject, title, text, created_at, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [.text(note.id), .text(owner.issuer), .text(owner.subject), .text(title), .text(text), .text(note.createdAt),
                 .integer(bytes)])
        }
        return note
    }

    /// The owner's notes, oldest first; every owner's when `owner` is nil. No text is ever read here.
    func list(ownedBy owner: Owner?) async throws(StoreError) -> [Summary] {
        let rows = try await read(failing: "The notes could not be listed.") { db in
            let columns = "SELECT id, owner_issuer, owner_subject, title, created_at FROM notes"
            guard let owner else { return try await db.query("\(columns) ORDER BY rowid") }
            return try await db.query(
                "\(columns) WHERE owner_issuer = ? AND owner_subject = ? ORDER BY rowid", [.text(owner.issuer), .text(owner.subject)])
        }
        return rows.map { row in
            let owner = Owner(issuer: row.text("owner_issuer"), subject: row.text("owner_subject"))
            return Summary(id: row.text("id"), owner: owner, title: row.text("title"), createdAt: row.text("created_at"))
        }
    }

    /// A note by id, only for its owner: for anyone else it does not exist.
    func note(id: String, ownedBy owner: Owner) async throws(StoreError) -> Note? {
        let rows = try await read(failing: "The note could not be read.") { db in
            try await db.query(
                "SELECT title, text, created_at FROM notes WHERE id = ? AND owner_issuer = ? AND owner_subject = ?",
                [.text(id), .text(owner.issuer), .text(owner.subject)])
        }
        return rows.first.map { row in
            Note(id: id, owner: owner, title: row.text("title"), text: row.text("text"), createdAt: row.text("created_at"))
        }
    }

    func delete(id: String, ownedBy owner: Owner) async throws(StoreError) -> Bool {
        let deleted = try await write(failing: "The note could not be deleted.") { db in
            try await db.query(
                "DELETE FROM notes WHERE id = ? AND owner_issuer = ? AND owner_subject = ? RETURNING id",
                [.text(id), .text(owner.issuer), .text(owner.subject)])
        }
        return !deleted.isEmpty
    }

    /// 128 random bits: an id nobody can guess, and nobody else's id works anyway.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Base64URL.encode(bytes)
    }
}
