import Foundation
import Hummingbird
import HummingbirdTesting
import WorkshopSupport

@testable import Step9

/// Feeds fuzz inputs to Step 9 in process, read the way the fuzz harnesses read them (fuzz/README.md).
enum FuzzReplay {
    static let seedsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/seeds")

    /// The committed seeds of a target, by file name.
    static func seedNames(_ target: String) -> [String] {
        let folder = seedsFolder.appendingPathComponent(target).path
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    static func seed(_ target: String, _ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: seedsFolder.appendingPathComponent(target).appendingPathComponent(name)))
    }

    static var audience: String { "\(StepUnderTest.options.baseURL)/mcp" }

    /// `$user`, `$admin`, ...: the seed callers' tokens, signed with the key the test server trusts.
    static var callerTokens: [String: String] {
        let now = TokenForge.now()
        return Dictionary(uniqueKeysWithValues: FuzzRequestSeed.callers.keys.map { name in
            let claims = FuzzRequestSeed.claims(of: name, issuer: WorkshopDefaults.issuer, audience: audience, now: now)
            return (name, FuzzTokenSeed.token(claims: claims, kid: TestKeys.kid, key: TestKeys.pair.privateKey))
        })
    }

    static var tokenSigning: FuzzTokenSeed.Signing {
        let claims = FuzzTokenSeed.claimSubstitutions(
            kid: TestKeys.kid, issuer: WorkshopDefaults.issuer, audience: audience, now: TokenForge.now())
        return .init(trusted: TestKeys.pair.privateKey, attacker: TestKeys.attacker, substitutions: claims.merging(callerTokens) { $1 })
    }

    /// A request input, as the request harness sends it: to a Step 9 holding the seed notes.
    static func request(_ input: [UInt8]) async throws -> MCPExchange {
        try await send(FuzzRequestSeed(input, substitutions: callerTokens))
    }

    /// A token input, as the token harness reads it, sent with a `ping`.
    static func token(_ input: [UInt8]) async throws -> (exchange: MCPExchange, forged: Bool) {
        let token = FuzzTokenSeed(input, signing: tokenSigning)
        var request = FuzzRequestSeed(Array(MCPMessage.request("ping").encoded()), substitutions: [:])
        request.headers[values: .authorization] = token.authorizations
        return (try await send(request), token.forged)
    }

    static func send(_ seed: FuzzRequestSeed) async throws -> MCPExchange {
        let data = TestKeys.emptyFolder().directory
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data(FuzzRequestSeed.notesFile.utf8).write(to: data.appendingPathComponent("notes.json"))
        let app = try await Step9.buildApplication(
            StepUnderTest.options, origins: Step9.OriginOptions(allowOrigin: []), keyFiles: TestKeys.files, auth: try Step9.AuthOptions(issuer: WorkshopDefaults.issuer),
            data: Step9.DataOptions(dataDirectory: data.path))
        return try await app.test(.router) { client in
            try await client.execute(uri: seed.path, method: seed.method, headers: seed.headers, body: ByteBuffer(bytes: seed.body)) {
                MCPExchange(status: $0.status, headers: $0.headers, text: String(buffer: $0.body))
            }
        }
    }
}
