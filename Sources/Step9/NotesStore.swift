import Foundation
import Logging
import WorkshopSupport

/// Notes, each owned by one subject, kept in one JSON file. An actor, so concurrent calls take
/// turns; every change is written to a temporary file and renamed over the old one, so the file
/// on disk is always a whole version.
actor NotesStore {
    struct Note: Codable, Sendable, Equatable {
        let id: String
        /// The `sub` of the token that created it: the only identity the server trusts.
        let owner: String
        let title: String
        let text: String
        let createdAt: String
    }

    struct StoreError: Error, CustomStringConvertible {
        let description: String
    }

    static let maxNotesPerOwner = 100

    let file: URL
    let logger: Logger
    private var notes: [Note]

    /// Reads the file, or starts empty when there is none. A file that cannot be read is reported,
    /// and left exactly as it is: losing users' notes silently is worse than not starting.
    init(file: URL, logger: Logger) throws(StoreError) {
        self.file = file
        self.logger = logger
        guard FileManager.default.fileExists(atPath: file.path) else {
            notes = []
            return
        }
        do {
            notes = try JSONDecoder().decode([Note].self, from: Data(contentsOf: file))
        } catch {
            throw StoreError(
                description: "\(file.path) is not a readable notes file, so Step 9 did not start. "
                    + "It was left as it is: repair it, or move it away to start with no notes."
            )
        }
    }

    func create(owner: String, title: String, text: String) throws(StoreError) -> Note {
        guard notes.count(where: { $0.owner == owner }) < Self.maxNotesPerOwner else {
            throw StoreError(description: "You already have \(Self.maxNotesPerOwner) notes; delete one first.")
        }
        let note = Note(
            id: Self.newID(), owner: owner, title: title, text: text,
            createdAt: ISO8601DateFormatter().string(from: Date()))
        notes.append(note)
        do throws(StoreError) {
            try save()
        } catch {
            notes.removeLast()
            throw error
        }
        return note
    }

    /// The owner's notes; every note when `owner` is nil.
    func list(ownedBy owner: String?) -> [Note] {
        notes.filter { owner == nil || $0.owner == owner }
    }

    /// A note by id, only for its owner: for anyone else it does not exist.
    func note(id: String, ownedBy owner: String) -> Note? {
        notes.first { $0.id == id && $0.owner == owner }
    }

    func delete(id: String, ownedBy owner: String) throws(StoreError) -> Bool {
        guard let index = notes.firstIndex(where: { $0.id == id && $0.owner == owner }) else { return false }
        let removed = notes.remove(at: index)
        do throws(StoreError) {
            try save()
        } catch {
            notes.insert(removed, at: index)
            throw error
        }
        return true
    }

    private func save() throws(StoreError) {
        let folder = file.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".notes-\(UUID().uuidString).json")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            guard FileManager.default.createFile(atPath: temporary.path, contents: try encoder.encode(notes),
                                                 attributes: [.posixPermissions: 0o600]),
                rename(temporary.path, file.path) == 0
            else { throw StoreError(description: "cannot write \(file.path)") }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            // The operator learns why; the caller only that it failed.
            logger.error("Could not save notes", metadata: ["file": "\(file.path)", "reason": "\(error)"])
            throw StoreError(description: "The note could not be saved.")
        }
    }

    /// 128 random bits: an id nobody can guess, and nobody else's id works anyway.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Base64URL.encode(bytes)
    }
}
