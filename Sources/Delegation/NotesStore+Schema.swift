import Foundation
import Logging
import SQLiteNIO

/// Where the notes are kept: the tables, and the transactions that read and write them.
extension NotesStore {
    /// The tables, created on first use. `totals` holds one row, which the triggers keep equal to the
    /// sum over all notes, so that the total quota is checked without reading every note.
    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS notes (
            id TEXT PRIMARY KEY,
            owner_issuer TEXT NOT NULL,
            owner_subject TEXT NOT NULL,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            bytes INTEGER NOT NULL
        ) STRICT
        """,
        "CREATE INDEX IF NOT EXISTS notes_by_owner ON notes (owner_issuer, owner_subject)",
        "CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 1), bytes INTEGER NOT NULL) STRICT",
        "INSERT OR IGNORE INTO totals (id, bytes) VALUES (1, 0)",
        """
        CREATE TRIGGER IF NOT EXISTS count_insert AFTER INSERT ON notes
        BEGIN UPDATE totals SET bytes = bytes + NEW.bytes; END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS count_delete AFTER DELETE ON notes
        BEGIN UPDATE totals SET bytes = bytes - OLD.bytes; END
        """,
    ]

    /// Opens the database and creates its tables. A file that is not a notes database stops the
    /// server and is left exactly as it is: losing users' notes silently is worse than not starting.
    static func open(_ file: URL, quota: Quota = .standard, logger: Logger) async throws(StoreError) -> NotesStore {
        do {
            let database = try await NotesDatabase.open(file, logger: logger)
            try await database.write { db in
                for statement in schema { _ = try await db.query(statement) }
            }
            return NotesStore(database: database, quota: quota, logger: logger)
        } catch {
            throw StoreError(
                description: "\(file.path) could not be opened as a notes database (\(error)), so Step 9 did not start. "
                    + "It was left as it is: repair it, or move it away to start with no notes.")
        }
    }

    /// A write transaction. A refusal (`StoreError`) reaches the caller as it is; any other error is
    /// logged for the operator, and the caller learns only that it failed.
    func write<T: Sendable>(failing failure: String, _ body: @Sendable (SQLiteConnection) async throws -> T)
        async throws(StoreError) -> T
    {
        do {
            return try await database.write(body)
        } catch let refusal as StoreError {
            throw refusal
        } catch {
            logger.error("Notes database error", metadata: ["file": "\(database.file.path)", "reason": "\(error)"])
            throw StoreError(description: failure)
        }
    }

    func read<T: Sendable>(failing failure: String, _ body: @Sendable (SQLiteConnection) async throws -> T)
        async throws(StoreError) -> T
    {
        do {
            return try await database.read(body)
        } catch {
            logger.error("Notes database error", metadata: ["file": "\(database.file.path)", "reason": "\(error)"])
            throw StoreError(description: failure)
        }
    }
}
