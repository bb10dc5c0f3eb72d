import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WorkshopSupport

@testable import Step9

/// How Step 9 keeps notes: quotas counted in bytes, a total no flood of new owners gets past, the
/// import of an earlier Step 9's `notes.json`, and one file shared by two servers.
@Suite("Notes store (Step 9)")
struct NotesStoreTests {
    static let logger = Logger(label: "notes-tests")

    static func person(_ name: String) -> Caller {
        Caller(name: name, scope: "mcp:read mcp:tools mcp:prompts", roles: ["user"])
    }

    static func create(_ client: any TestClientProtocol, title: String = "t", text: String) async throws -> JSONValue {
        try await client.tool("note_create", ["title": .string(title), "text": .string(text)])
    }

    @Test("one person's notes may hold 1 MiB of UTF-8, however few characters that is")
    func perOwnerQuotaCountsBytes() async throws {
        // 10,000 characters of 4 bytes each: 40,001 bytes a note with its title, so the 27th passes 1 MiB.
        let wide = String(repeating: "😀", count: 10_000)
        try await withStepNine { client async throws in
            for index in 1...26 {
                #expect(try await Self.create(client(.alice), text: wide)["isError"] == false, "note \(index)")
            }
            let refused = try await Self.create(client(.alice), text: wide)
            #expect(refused["isError"] == true)
            #expect(refused["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("1048576 bytes") == true)
            // Bob's quota is his own.
            #expect(try await Self.create(client(.bob), text: wide)["isError"] == false)
        }
    }

    @Test("a control character costs the one byte it takes, not the six of a JSON escape; a 4-byte character costs four")
    func bytesAreUTF8Bytes() async throws {
        let controls = String(repeating: "\u{1}", count: 10_000)
        // Room for 25,000 bytes: two notes of 10,001 bytes fit, a third does not.
        try await withStepNine(maxTotalBytes: 25_000) { client async throws in
            #expect(try await Self.create(client(.alice), text: controls)["isError"] == false)
            #expect(try await Self.create(client(.bob), text: controls)["isError"] == false)
            #expect(try await Self.create(client(.root), text: controls)["isError"] == true)
        }
        // 6,250 emoji and a title: 25,001 bytes, one too many; 6,249: 24,997, which fit.
        try await withStepNine(maxTotalBytes: 25_000) { client async throws in
            #expect(try await Self.create(client(.alice), text: String(repeating: "😀", count: 6_250))["isError"] == true)
            #expect(try await Self.create(client(.alice), text: String(repeating: "😀", count: 6_249))["isError"] == false)
        }
    }

    @Test("the total quota stops a flood of new owners, says so, and deleting a note makes room again")
    func totalQuotaStopsOwnerFloods() async throws {
        let text = String(repeating: "x", count: 9_999)  // 10,000 bytes with the title
        try await withStepNine(maxTotalBytes: 50_000) { client async throws in
            var ids: [String] = []
            for index in 1...5 {
                let created = try await Self.create(client(Self.person("minted-\(index)")), text: text)
                ids.append(try #require(created["structuredContent"]?["id"]?.stringValue))
            }
            for index in 6...8 {
                let refused = try await Self.create(client(Self.person("minted-\(index)")), text: text)
                #expect(refused["isError"] == true)
                #expect(refused["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("store is full") == true)
            }
            let deleted = try await client(Self.person("minted-1")).tool("note_delete", ["id": .string(ids[0])])
            #expect(deleted["structuredContent"]?["deleted"] == true)
            #expect(try await Self.create(client(Self.person("minted-9")), text: text)["isError"] == false)
        }
    }

    @Test("quotas hold under concurrent writes: of twenty owners writing at once, exactly the five that fit are saved")
    func quotasHoldUnderConcurrency() async throws {
        let text = String(repeating: "x", count: 9_999)
        try await withStepNine(maxTotalBytes: 50_000) { client async throws in
            let saved = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 1...20 {
                    group.addTask { try await Self.create(client(Self.person("racer-\(index)")), text: text)["isError"] == false }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(saved == 5)
        }
    }

    @Test("an earlier Step 9's notes.json is imported once, whole, owned by the workshop issuer's subjects, and kept as notes.json.migrated")
    func legacyNotesAreImportedOnce() async throws {
        let folder = TestKeys.emptyFolder()
        try FileManager.default.createDirectory(at: folder.directory, withIntermediateDirectories: true)
        let file = folder.directory.appendingPathComponent("notes.json")
        // 101 notes of alice's, one more than a person may now write, and one of bob's.
        var notes: [JSONValue] = (1...101).map { index in
            ["id": .string("alice-\(index)"), "owner": "alice", "title": .string("old \(index)"), "text": "from notes.json",
             "createdAt": "2026-01-01T00:00:00Z"]
        }
        notes.append(["id": "bob-1", "owner": "bob", "title": "bob's", "text": "bob's text", "createdAt": "2026-01-02T00:00:00Z"])
        let original = JSONValue.array(notes).encoded()
        try original.write(to: file)

        try await withStepNine(notesFolder: folder) { client async throws in
            let alices = try await client(.alice).tool("note_list")["structuredContent"]?["notes"]?.arrayValue
            #expect(alices?.count == 101)
            #expect(alices?.first?["owner"] == ["issuer": .string(WorkshopDefaults.issuer), "subject": "alice"])
            #expect(try await client(.bob).tool("note_read", ["id": "bob-1"])["structuredContent"]?["text"] == "bob's text")
            #expect(try await client(.alice).tool("note_read", ["id": "bob-1"])["isError"] == true)
            // Over the count quota now: the old notes stay, a new one waits for a delete.
            #expect(try await Self.create(client(.alice), text: "new")["isError"] == true)
            #expect(try await client(.bob).tool("note_delete", ["id": "bob-1"])["structuredContent"]?["deleted"] == true)
        }
        #expect(!FileManager.default.fileExists(atPath: file.path))
        let migrated = folder.directory.appendingPathComponent("notes.json.migrated")
        #expect(try Data(contentsOf: migrated) == original)
        // A restart imports nothing again: bob's deleted note stays deleted.
        try await withStepNine(notesFolder: folder) { client async throws in
            #expect(try await client(.bob).tool("note_list")["structuredContent"]?["notes"] == [])
            #expect(try await client(.alice).tool("note_list")["structuredContent"]?["notes"]?.arrayValue?.count == 101)
        }
    }

    @Test("old notes belong to the first trusted issuer when the workshop issuer is not trusted")
    func legacyIssuerIsTheFirstTrusted() {
        #expect(NotesStore.legacyIssuer(trusting: ["https://a.example", WorkshopDefaults.issuer]) == WorkshopDefaults.issuer)
        #expect(NotesStore.legacyIssuer(trusting: ["https://a.example", "https://b.example"]) == "https://a.example")
    }

    @Test("a second import beside an earlier one keeps both files: notes.json.migrated-2")
    func earlierMigratedFileIsKept() async throws {
        let folder = TestKeys.emptyFolder()
        try FileManager.default.createDirectory(at: folder.directory, withIntermediateDirectories: true)
        try Data("earlier".utf8).write(to: folder.directory.appendingPathComponent("notes.json.migrated"))
        try Data(#"[{"id":"n","owner":"alice","title":"t","text":"x","createdAt":"2026-01-01T00:00:00Z"}]"#.utf8)
            .write(to: folder.directory.appendingPathComponent("notes.json"))
        let store = try await NotesStore.open(
            Step9.DataOptions(dataDirectory: folder.directory.path), trusting: [WorkshopDefaults.issuer], logger: Self.logger)
        #expect(try await store.list(ownedBy: nil).map(\.id) == ["n"])
        #expect(try String(contentsOf: folder.directory.appendingPathComponent("notes.json.migrated"), encoding: .utf8) == "earlier")
        #expect(FileManager.default.fileExists(atPath: folder.directory.appendingPathComponent("notes.json.migrated-2").path))
    }

    @Test("two stores on one file see each other's notes at once, and lose none of forty written through both")
    func twoStoresShareOneFile() async throws {
        let file = TestKeys.emptyFolder().directory.appendingPathComponent("notes.sqlite")
        let first = try await NotesStore.open(file, logger: Self.logger)
        let second = try await NotesStore.open(file, logger: Self.logger)
        let alice = NotesStore.Owner(issuer: WorkshopDefaults.issuer, subject: "alice")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    _ = try await (index.isMultiple(of: 2) ? first : second).create(owner: alice, title: "n\(index)", text: "x")
                }
            }
            try await group.waitForAll()
        }
        #expect(try await first.list(ownedBy: alice).count == 40)
        #expect(try await second.list(ownedBy: alice).count == 40)
    }
}
