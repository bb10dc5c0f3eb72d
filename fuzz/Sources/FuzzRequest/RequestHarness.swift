import Foundation
@testable import FuzzSupport
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import SQLiteNIO
import WorkshopSupport

@testable import Step9

/// The request path of Step 9, driven through its real router: transport checks, bearer token
/// middleware, JSON-RPC parsing, era and header checks, the access policy and every method and tool.
/// Each input starts from the same three notes in one notes database, so no input sees another's.
final class RequestHarness: Sendable {
    static let shared = RequestHarness()

    let options = ServerOptions(host: "127.0.0.1", port: 9000, logLevel: .trace)
    let logger = EveryMessageLogHandler.logger
    let trustedKeys: TrustedKeys
    let issuerKeys: IssuerKeys
    let auth: AuthOptions
    let notes: NotesStore
    /// The three notes every input starts with, as `notes.json` held them.
    let seedNotes = try! JSONDecoder().decode([NotesStore.LegacyNote].self, from: Data(FuzzRequestSeed.notesFile.utf8))
    let substitutions: [String: String]
    let channel = NIOAsyncTestingChannel()
    /// `FUZZ_SHOW=1` prints each answer, for looking at what a replayed input gets.
    let show = ProcessInfo.processInfo.environment["FUZZ_SHOW"] == "1"

    init() {
        let keyFiles = KeyFiles(directory: Scratch.folder.appendingPathComponent("keys"))
        let pair = try! WorkshopKeyPair.create(in: keyFiles)
        // A trusted issuer nobody serves: an unknown kid sends the server to a closed port, not to a live issuer.
        let issuer = "http://127.0.0.1:9/issuer"
        trustedKeys = try! TrustedKeys.load(from: keyFiles, logger: logger)
        issuerKeys = IssuerKeys(local: (issuer, trustedKeys), logger: logger)
        auth = try! AuthOptions(issuers: [issuer])
        let kid = trustedKeys.jwks[0].kid
        let now = Int(Date().timeIntervalSince1970)
        var tokens: [String: String] = [:]
        for name in FuzzRequestSeed.callers.keys {
            let claims = FuzzRequestSeed.claims(of: name, issuer: issuer, audience: "\(options.baseURL)/mcp", now: now)
            tokens[name] = FuzzTokenSeed.token(claims: claims, kid: kid, key: pair.privateKey)
        }
        substitutions = tokens
        let (file, logger) = (Scratch.folder.appendingPathComponent("data/notes.sqlite"), logger)
        notes = runBlocking { try! await NotesStore.open(file, logger: logger) }
    }

    /// Back to the three seed notes, owned by their subjects at the trusted issuer.
    func resetNotes() {
        let (notes, seeds, issuer) = (notes, seedNotes, auth.issuers[0])
        runBlocking {
            _ = try! await notes.write(failing: "reset") { db in
                _ = try await db.query("DELETE FROM notes")
                for note in seeds {
                    _ = try await db.query(
                        "INSERT INTO notes (id, owner_issuer, owner_subject, title, text, created_at, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [.text(note.id), .text(issuer), .text(note.owner), .text(note.title), .text(note.text), .text(note.createdAt),
                         .integer(note.title.utf8.count + note.text.utf8.count)])
                }
            }
        }
    }

    func run(_ input: [UInt8]) {
        let seed = FuzzRequestSeed(input, substitutions: substitutions)
        checkJSON(seed.body, input: input)
        checkHeaderSyntax(seed.headers, input: input)
        resetNotes()
        let responder = buildRouter(
            options, origins: OriginOptions(allowOrigin: []), trustedKeys: trustedKeys, issuerKeys: issuerKeys, auth: auth, notes: notes)
            .buildResponder()
        let request = Request(
            head: HTTPRequest(method: seed.method, scheme: "http", authority: "127.0.0.1:9000", path: seed.path, headerFields: seed.headers),
            body: RequestBody(buffer: ByteBuffer(bytes: seed.body))
        )
        let context = MCPRequestContext(source: .init(channel: channel, logger: logger))
        let answer = runBlocking { () async -> Answer in
            do {
                return try await Answer(try await responder.respond(to: request, context: context))
            } catch let error as HTTPResponseError {
                // The router's own errors (404, 405) become responses just as they would in the server.
                return (try? await Answer(try error.response(from: request, context: context)))
                    ?? Answer(status: error.status, headers: [:], body: [])
            } catch {
                return Answer(status: .internalServerError, headers: [:], body: Array("\(error)".utf8))
            }
        }
        if show { print("\(seed.method) \(seed.path) -> \(answer.status.code) \(String(decoding: answer.body.prefix(300), as: UTF8.self))") }
        check(answer, seed: seed, input: input)
    }

    /// What `JSONValue`'s own parser reads, `JSONDecoder` (which it replaced) must read the same, and its
    /// writer must write what the parser reads back as the same value. The parser may refuse more:
    /// it holds to RFC 8259 where JSONDecoder is lenient (trailing commas; invalid UTF-8 in a
    /// duplicate key's ignored value, which JSONDecoder never reads).
    func checkJSON(_ body: [UInt8], input: [UInt8]) {
        let parsed = try? JSONValue(parsing: Data(body))
        let decoded = try? JSONDecoder().decode(JSONValue.self, from: Data(body))
        if parsed != nil, parsed != decoded {
            fuzzFailure("JSONParser read \(parsed.map(\.jsonText) ?? "an error"), JSONDecoder \(decoded.map(\.jsonText) ?? "an error")", input: input)
        }
        if let parsed, (try? JSONValue(parsing: parsed.encoded())) != parsed {
            fuzzFailure("JSONWriter wrote \(parsed.jsonText), which does not read back as the same value", input: input)
        }
    }

    /// `HTTPSyntax` reads `Content-Type` and `Accept` in place, for speed; it must read them as the
    /// obvious Foundation version does.
    func checkHeaderSyntax(_ headers: HTTPFields, input: [UInt8]) {
        let json = "application/json"
        if let contentType = headers[.contentType],
            HTTPSyntax.mediaType(of: contentType, is: json) != (HTTPSyntaxOracle.mediaType(contentType) == json)
        {
            fuzzFailure("HTTPSyntax and Foundation disagree on Content-Type \(contentType.debugDescription)", input: input)
        }
        if let accept = headers[.accept], HTTPSyntax.accept(accept, allows: json) != HTTPSyntaxOracle.accept(accept, allows: json) {
            fuzzFailure("HTTPSyntax and Foundation disagree on Accept \(accept.debugDescription)", input: input)
        }
    }

    /// What must hold for every request, however hostile.
    func check(_ answer: Answer, seed: FuzzRequestSeed, input: [UInt8]) {
        let text = String(decoding: answer.body, as: UTF8.self)
        if answer.status.code >= 500 {
            fuzzFailure("status \(answer.status.code): \(text)", input: input)
        }
        if answer.headers[.contentType] == "application/json", (try? JSONValue(parsing: Data(answer.body))) == nil {
            fuzzFailure("a JSON response that is not JSON: \(text)", input: input)
        }
        // A note's text reaches its owner and nobody else; its marker names the owner.
        let callers = Set(FuzzRequestSeed.callers.compactMap { name, caller in
            seed.headers[values: .authorization].contains { $0.contains(substitutions[name]!) } ? caller.subject : nil
        })
        let sent = String(decoding: seed.body, as: UTF8.self)
        for owner in ["alice", "bob", "root"] where !callers.contains(owner) {
            let marker = "text-of-\(owner)-note"
            if text.contains(marker), !sent.contains(marker) {
                fuzzFailure("\(owner)'s note shown to \(callers.sorted())", input: input)
            }
        }
    }
}

/// A response with its body collected.
struct Answer: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: [UInt8]

    init(status: HTTPResponse.Status, headers: HTTPFields, body: [UInt8]) {
        (self.status, self.headers, self.body) = (status, headers, body)
    }

    init(_ response: Response) async throws {
        let collected = Collected()
        try await response.body.write(CollectingWriter(into: collected))
        self.init(status: response.status, headers: response.headers, body: collected.bytes)
    }
}

/// The body's bytes; only the one task answering the request writes them.
final class Collected: @unchecked Sendable {
    var bytes: [UInt8] = []
}

struct CollectingWriter: ResponseBodyWriter {
    let into: Collected

    func write(_ buffer: ByteBuffer) async throws {
        into.bytes += buffer.readableBytesView
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// libFuzzer's callback: one input, judged on its own.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    RequestHarness.shared.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
