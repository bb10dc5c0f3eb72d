import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@testable import Step9

/// Step 9 with one notes folder shared by every client of a test, each client with its own token.
func withStepNine(
    notesFolder: KeyFiles = TestKeys.emptyFolder(), issuers: [String] = [WorkshopDefaults.issuer],
    maxTotalBytes: Int = Step9.NotesStore.Quota.standard.totalBytes,
    _ body: @Sendable (_ as: @escaping @Sendable (Caller) -> any TestClientProtocol) async throws -> Void
) async throws {
    try await withStepNine(notesFolder: notesFolder, issuers: issuers, maxTotalBytes: maxTotalBytes) { client, _ in
        try await body { caller in BearerClient(client: client, token: caller.token) }
    }
}

/// Step 9 with one notes folder, and a client that sends whatever token a test gives it.
func withStepNine(
    notesFolder: KeyFiles = TestKeys.emptyFolder(), issuers: [String] = [WorkshopDefaults.issuer],
    maxTotalBytes: Int = Step9.NotesStore.Quota.standard.totalBytes,
    _ body: @Sendable (_ client: any TestClientProtocol, _ as: @escaping @Sendable (String) -> any TestClientProtocol) async throws -> Void
) async throws {
    let app = try await Step9.buildApplication(
        StepUnderTest.options, origins: Step9.OriginOptions(allowOrigin: []), keyFiles: TestKeys.files,
        auth: try Step9.AuthOptions(issuers: issuers),
        data: Step9.DataOptions(dataDirectory: notesFolder.directory.path, maxTotalBytes: maxTotalBytes))
    try await app.test(.router) { client in
        try await body(client) { token in BearerClient(client: client, token: token) }
    }
}

extension Caller {
    static let alice = Caller(name: "alice", scope: "mcp:read mcp:tools mcp:prompts", roles: ["user"])
    static let bob = Caller(name: "bob", scope: "mcp:read mcp:tools mcp:prompts", roles: ["user"])
    static let root = Caller(name: "root", scope: "mcp:admin", roles: ["admin"])
}

extension TestClientProtocol {
    func tool(_ name: String, _ arguments: [String: JSONValue] = [:]) async throws -> JSONValue {
        let exchange = try await legacy("tools/call", params: ["name": .string(name), "arguments": .object(arguments)])
        return exchange.result ?? .null
    }
}

@Suite("User-aware tools (Step 9)")
struct UserToolsTests {
    @Test("whoami tells issuer and subject, kind, username, scopes, roles and expiry from the token alone")
    func whoamiComesFromToken() async throws {
        try await withStepNine { client async throws in
            let me = try await client(.alice).tool("whoami")["structuredContent"]
            #expect(me?["issuer"] == .string(WorkshopDefaults.issuer))
            #expect(me?["subject"] == "alice")
            #expect(me?["kind"] == "person")
            #expect(me?["scopes"] == ["mcp:read", "mcp:tools", "mcp:prompts"])
            #expect(me?["roles"] == ["user"])
            #expect(me?["expires_at"]?.stringValue?.hasSuffix("Z") == true)
            let claimed = try await client(.alice).tool("whoami", ["subject": "root"])
            #expect(claimed["isError"] == true)
            let initialize = try await client(.bob).legacy("initialize", params: [
                "protocolVersion": "2025-11-25", "capabilities": [:], "clientInfo": ["name": "alice", "version": "1"],
            ])
            #expect(initialize.result?["instructions"]?.stringValue?.contains("signed in as bob") == true)
        }
    }

    @Test("a note round-trips for its owner: create, list, read, delete")
    func noteLifecycle() async throws {
        try await withStepNine { client async throws in
            let created = try await client(.alice).tool("note_create", ["title": "Plan", "text": "Ship step 9"])
            let id = try #require(created["structuredContent"]?["id"]?.stringValue)
            #expect(id.count >= 22)
            let listed = try await client(.alice).tool("note_list")["structuredContent"]?["notes"]?.arrayValue
            #expect(listed?.map { $0["id"] } == [.string(id)])
            let read = try await client(.alice).tool("note_read", ["id": .string(id)])
            #expect(read["structuredContent"]?["text"] == "Ship step 9")
            #expect(try await client(.alice).tool("note_delete", ["id": .string(id)])["structuredContent"]?["deleted"] == true)
            #expect(try await client(.alice).tool("note_read", ["id": .string(id)])["isError"] == true)
        }
    }

    @Test("Alice's notes are invisible to Bob by every route: list, read, delete, guessed ids")
    func notesAreIsolatedBetweenUsers() async throws {
        try await withStepNine { client async throws in
            let created = try await client(.alice).tool("note_create", ["title": "Diary", "text": "alice's secret"])
            let id = try #require(created["structuredContent"]?["id"]?.stringValue)
            let bobsList = try await client(.bob).tool("note_list")["structuredContent"]?["notes"]
            #expect(bobsList == [])
            for guess in [id, id.uppercased(), "", "../\(id)", "*", String(id.dropLast())] {
                let read = try await client(.bob).tool("note_read", ["id": .string(guess)])
                #expect(read["isError"] == true)
                #expect(read.jsonText.contains("alice's secret") == false)
                #expect(try await client(.bob).tool("note_delete", ["id": .string(guess)])["isError"] == true)
            }
            // Arguments cannot claim another owner.
            let smuggled = try await client(.bob).tool("note_read", ["id": .string(id), "owner": "alice"])
            #expect(smuggled["isError"] == true)
            // Unknown and foreign ids get the same answer, so ids reveal nothing.
            let unknown = try await client(.bob).tool("note_read", ["id": "AAAAAAAAAAAAAAAAAAAAAA"])
            let foreign = try await client(.bob).tool("note_read", ["id": .string(id)])
            #expect(unknown == foreign)
            // Alice still has it: Bob's delete attempts changed nothing.
            #expect(try await client(.alice).tool("note_read", ["id": .string(id)])["structuredContent"]?["text"] == "alice's secret")
        }
    }

    @Test("a client acting on its own behalf gets a tool error from every note tool, and never sees anyone's notes")
    func machineCallersHaveNoNotes() async throws {
        try await withStepNine { client async throws in
            _ = try await client(.alice).tool("note_create", ["title": "salary review", "text": "private"])
            let robot = Caller(name: "robot", scope: "mcp:read mcp:tools", roles: nil, clientID: "robot")
            for machine in [Caller.machine, .machineClaimingAdmin, robot] {
                let calls: [(String, [String: JSONValue])] = [
                    ("note_list", [:]), ("note_create", ["title": "t", "text": "x"]), ("note_read", ["id": "x"]), ("note_delete", ["id": "x"]),
                ]
                for (tool, arguments) in calls {
                    let result = try await client(machine).tool(tool, arguments)
                    #expect(result["isError"] == true, "\(machine.name): \(tool)")
                    #expect(result["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("client credentials") == true)
                    #expect(result.jsonText.contains("salary") == false)
                }
                let me = try await client(machine).tool("whoami")["structuredContent"]
                #expect(me?["kind"] == "machine")
                #expect(me?["roles"] == [])
                #expect(me?["effective_scopes"]?.arrayValue?.contains("mcp:admin") == false)
                let tools = try await client(machine).legacy("tools/list").result?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
                #expect(tools == ["echo", "get_time", "whoami"])
            }
            #expect(try await client(.alice).tool("note_list")["structuredContent"]?["notes"]?.arrayValue?.count == 1)
        }
    }

    @Test("alice of another trusted issuer is another person: she cannot list, read or delete the workshop issuer's alice's notes")
    func identityIsIssuerAndSubject() async throws {
        try await TestIssuer.run { issuer in
            try await withStepNine(issuers: [WorkshopDefaults.issuer, issuer.url]) { _, client async throws in
                let aliceA = client(Caller.alice.token)
                let aliceB = client(issuer.token())
                let created = try await aliceA.tool("note_create", ["title": "A-alice only", "text": "secret of alice at issuer A"])
                let id = try #require(created["structuredContent"]?["id"]?.stringValue)
                #expect(try await aliceB.tool("note_list")["structuredContent"]?["notes"] == [])
                for tool in ["note_read", "note_delete"] {
                    let result = try await aliceB.tool(tool, ["id": .string(id)])
                    #expect(result["isError"] == true)
                    #expect(result.jsonText.contains("secret") == false)
                }
                #expect(try await aliceA.tool("note_read", ["id": .string(id)])["structuredContent"]?["text"] == "secret of alice at issuer A")
                let meB = try await aliceB.tool("whoami")["structuredContent"]
                #expect(meB?["issuer"] == .string(issuer.url))
                #expect(meB?["subject"] == "alice")
                _ = try await aliceB.tool("note_create", ["title": "B-alice", "text": "mine"])
                let listA = try await aliceA.tool("note_list")["structuredContent"]?["notes"]?.arrayValue
                #expect(listA?.compactMap { $0["title"]?.stringValue } == ["A-alice only"])
                let everyone = try await client(Caller.root.token).tool("note_list")["structuredContent"]?["notes"]?.arrayValue ?? []
                #expect(Set(everyone.compactMap { $0["owner"] }) == [
                    ["issuer": .string(WorkshopDefaults.issuer), "subject": "alice"], ["issuer": .string(issuer.url), "subject": "alice"],
                ])
            }
        }
    }

    @Test("an administrator lists everyone's note titles but cannot read others' notes")
    func adminListsAllButReadsOnlyOwn() async throws {
        try await withStepNine { client async throws in
            let id = try #require(try await client(.alice).tool("note_create", ["title": "A", "text": "private"])["structuredContent"]?["id"]?.stringValue)
            _ = try await client(.bob).tool("note_create", ["title": "B", "text": "private too"])
            let all = try await client(.root).tool("note_list")["structuredContent"]
            #expect(all?["all_users"] == true)
            #expect(Set(all?["notes"]?.arrayValue?.compactMap { $0["owner"]?["subject"]?.stringValue } ?? []) == ["alice", "bob"])
            #expect(Set(all?["notes"]?.arrayValue?.compactMap { $0["owner"]?["issuer"]?.stringValue } ?? []) == [WorkshopDefaults.issuer])
            #expect(all?.jsonText.contains("private") == false)
            #expect(try await client(.root).tool("note_read", ["id": .string(id)])["isError"] == true)
        }
    }

    @Test("notes survive a restart, all forty of a burst of concurrent writes, in a file only its owner may read")
    func notesPersistUnderConcurrency() async throws {
        let folder = TestKeys.emptyFolder()
        try await withStepNine(notesFolder: folder) { client async throws in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let caller: Caller = index.isMultiple(of: 2) ? .alice : .bob
                        let result = try await client(caller).tool("note_create", ["title": .string("n\(index)"), "text": "x"])
                        #expect(result["isError"] == false)
                    }
                }
                try await group.waitForAll()
            }
        }
        let file = folder.directory.appendingPathComponent("notes.sqlite")
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int == 0o600)
        try await withStepNine(notesFolder: folder) { client async throws in
            for caller in [Caller.alice, .bob] {
                let notes = try await client(caller).tool("note_list")["structuredContent"]?["notes"]?.arrayValue
                #expect(notes?.count == 20)
            }
        }
    }

    @Test("a corrupt notes file, old or new, stops Step 9 with a clear message and is left untouched", arguments: ["notes.json", "notes.sqlite"])
    func corruptNotesFileIsReported(name: String) async throws {
        let folder = TestKeys.emptyFolder()
        try FileManager.default.createDirectory(at: folder.directory, withIntermediateDirectories: true)
        let file = folder.directory.appendingPathComponent(name)
        let broken = "{ half a file, not SQLite either" + String(repeating: " ", count: 200)
        try Data(broken.utf8).write(to: file)
        await #expect {
            try await Step9.buildApplication(
                StepUnderTest.options, origins: Step9.OriginOptions(allowOrigin: []), keyFiles: TestKeys.files,
                auth: try Step9.AuthOptions(issuer: WorkshopDefaults.issuer),
                data: Step9.DataOptions(dataDirectory: folder.directory.path))
        } throws: { error in
            "\(error)".contains("left as it is") && "\(error)".contains(file.path)
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == broken)
    }

    @Test("bad note arguments are tool errors, not protocol errors")
    func badNoteArgumentsAreToolErrors() async throws {
        try await withStepNine { client async throws in
            for arguments: [String: JSONValue] in [[:], ["title": "t"], ["title": "", "text": "x"], ["title": "t", "text": 5],
                                                   ["title": "t", "text": .string(String(repeating: "x", count: 10_001))]] {
                #expect(try await client(.alice).tool("note_create", arguments)["isError"] == true)
            }
            #expect(try await client(.alice).tool("note_read")["isError"] == true)
            #expect(try await client(.alice).tool("note_list", ["owner": "bob"])["isError"] == true)
            let notAnObject = try await client(.alice).legacy("tools/call", params: ["name": "whoami", "arguments": "x"])
            #expect(notAnObject.result?["isError"] == true)
        }
    }

    @Test("the greeting prompt names the signed-in user, from the token")
    func greetingIsPersonalised() async throws {
        try await withStepNine { client async throws in
            let prompt = try await client(.bob).legacy("prompts/get", params: ["name": "greeting", "arguments": ["name": "Ada"]])
            let text = prompt.result?["messages"]?.arrayValue?.first?["content"]?["text"]?.stringValue
            #expect(text?.contains("Ada") == true)
            #expect(text?.contains("bob") == true)
        }
    }
}
