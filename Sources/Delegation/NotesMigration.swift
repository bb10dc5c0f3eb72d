import Foundation
import Logging
import WorkshopSupport

/// The one-time import of `notes.json`, where Step 9 once kept notes owned by a subject alone: every
/// note in one transaction, none dropped by a quota, and the file renamed afterwards, never deleted.
extension NotesStore {
    /// A note as `notes.json` held it.
    struct LegacyNote: Decodable {
        let id: String
        let owner: String
        let title: String
        let text: String
        let createdAt: String
    }

    /// The store in `--data-dir`, with the `notes.json` of an earlier Step 9 imported into it.
    static func open(_ data: DataOptions, trusting issuers: [String], logger: Logger) async throws(StoreError) -> NotesStore {
        let store = try await open(data.databaseFile, quota: data.quota, logger: logger)
        try await store.importLegacyNotes(from: data.legacyNotesFile, issuer: legacyIssuer(trusting: issuers))
        return store
    }

    /// Whose subjects the old file names: the workshop issuer's when this server trusts it (it is where
    /// the workshop's tokens come from), else the first issuer it trusts.
    static func legacyIssuer(trusting issuers: [String]) -> String {
        issuers.contains(WorkshopDefaults.issuer) ? WorkshopDefaults.issuer : issuers.first ?? WorkshopDefaults.issuer
    }

    func importLegacyNotes(from file: URL, issuer: String) async throws(StoreError) {
        let notes: [LegacyNote]
        do {
            notes = try JSONDecoder().decode([LegacyNote].self, from: Data(contentsOf: file))
        } catch {
            // No file (or another server just imported and renamed it): nothing to import.
            guard FileManager.default.fileExists(atPath: file.path) else { return }
            throw StoreError(
                description: "\(file.path) is not a readable notes file, so Step 9 did not start. "
                    + "It was left as it is: repair it, or move it away to start with no notes.")
        }
        // A note already there (imported by a server that started at the same moment) is skipped.
        let imported = try await write(failing: "The notes of \(file.path) could not be imported.") { db in
            var imported = 0
            for note in notes {
                imported += try await db.query(
                    """
                    INSERT OR IGNORE INTO notes (id, owner_issuer, owner_subject, title, text, created_at, bytes)
                    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id
                    """,
                    [.text(note.id), .text(issuer), .text(note.owner), .text(note.title), .text(note.text),
                     .text(note.createdAt), .integer(note.title.utf8.count + note.text.utf8.count)]
                ).count
            }
            return imported
        }
        let renamed = Self.unusedName(for: file)
        guard rename(file.path, renamed.path) == 0 || !FileManager.default.fileExists(atPath: file.path) else {
            throw StoreError(
                description: "The notes of \(file.path) are now in \(database.file.path), but the file could not be renamed. "
                    + "Move it away, so that it is not imported again, and start Step 9 again.")
        }
        logger.notice(
            "Imported notes.json into the notes database",
            metadata: ["notes": "\(imported)", "issuer": "\(issuer)", "renamed_to": "\(renamed.lastPathComponent)"])
    }

    /// `notes.json.migrated`, or, if an earlier import left that, `notes.json.migrated-2` and so on.
    static func unusedName(for file: URL) -> URL {
        let folder = file.deletingLastPathComponent()
        return (1...).lazy.map { folder.appendingPathComponent(file.lastPathComponent + ".migrated" + ($0 == 1 ? "" : "-\($0)")) }
            .first { !FileManager.default.fileExists(atPath: $0.path) }!
    }
}
