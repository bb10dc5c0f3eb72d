import ArgumentParser
import Foundation
import WorkshopSupport

/// Where Step 9 keeps what users save.
struct DataOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp("Folder for saved notes (default: data/ at the repository root).", valueName: "path")
    )
    var dataDirectory: String?

    init() {}

    init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    var notesFile: URL {
        let folder = dataDirectory.map { URL(fileURLWithPath: $0) } ?? RepositoryFolder.named("data")
        return folder.appendingPathComponent("notes.json")
    }
}
