import ArgumentParser
import Foundation
import WorkshopSupport

/// Where Step 9 keeps what users save, and how much of it.
struct DataOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp("Folder for saved notes (default: data/ at the repository root).", valueName: "path")
    )
    var dataDirectory: String?

    @Option(
        name: .customLong("notes-max-bytes"),
        help: ArgumentHelp("How much all users' notes together may hold, in UTF-8 bytes (default: 64 MiB).", valueName: "bytes")
    )
    var maxTotalBytes = NotesStore.Quota.standard.totalBytes

    init() {}

    init(dataDirectory: String, maxTotalBytes: Int = NotesStore.Quota.standard.totalBytes) {
        self.dataDirectory = dataDirectory
        self.maxTotalBytes = maxTotalBytes
    }

    func validate() throws {
        guard maxTotalBytes > 0 else { throw ValidationError("--notes-max-bytes must be a positive number of bytes.") }
    }

    var folder: URL { dataDirectory.map { URL(fileURLWithPath: $0) } ?? RepositoryFolder.named("data") }

    /// The SQLite database that holds the notes.
    var databaseFile: URL { folder.appendingPathComponent("notes.sqlite") }

    /// Where Step 9 kept notes before it used SQLite: read once, then renamed to `notes.json.migrated`.
    var legacyNotesFile: URL { folder.appendingPathComponent("notes.json") }

    var quota: NotesStore.Quota { NotesStore.Quota(totalBytes: maxTotalBytes) }
}
