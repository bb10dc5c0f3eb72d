import ArgumentParser
import Foundation
import Testing
import WorkshopSupport

@testable import Step6
@testable import WorkshopIssuer

/// Runs the built `generate_token` binary, as a learner does.
struct DeskRun {
    let status: Int32
    let stdout: String
    let stderr: String

    static var binary: URL {
        // The test bundle sits beside the products it depends on.
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("generate_token")
    }

    static func run(_ arguments: [String], stdin: String? = nil) throws -> DeskRun {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return DeskRun(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

@Suite("The token desk: generate_token")
struct TokenDeskTests {
    @Test("stdout is exactly one token and a newline; the summary goes to stderr")
    func stdoutIsOneToken() throws {
        let keys = TestKeys.emptyFolder().directory.path
        let run = try DeskRun.run(["--username", "bob", "--scopes", "mcp:read", "--keys-dir", keys])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty)
        #expect(lines[0].split(separator: ".").count == 3)
        #expect(run.stderr.contains("bob"))
        #expect(run.stderr.contains("Created the workshop key pair"))
    }

    @Test("the key pair is created once, owner-only, with a JWK Set beside it, and reused")
    func keysAreCreatedOnceAndReused() throws {
        let files = TestKeys.emptyFolder()
        let first = try TokenDesk.open(files)
        let attributes = try FileManager.default.attributesOfItem(atPath: files.privateKey.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: files.directory.path)
        #expect(folder[.posixPermissions] as? Int == 0o700)
        let second = try TokenDesk.open(files)
        #expect(first.kid == second.kid)
        let published = try JSONValue(parsing: Data(contentsOf: files.jwks))
        #expect(published["keys"]?.arrayValue?.first?["kid"] == .string(first.kid))
        #expect(published["keys"]?.arrayValue?.first?["d"] == nil)
    }

    @Test("a minted token follows RFC 9068 with whole-second dates, and Step 6 accepts it")
    func mintedTokenIsAcceptedByStepSix() throws {
        let run = try DeskRun.run(["--keys-dir", TestKeys.files.directory.path])
        let token = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = try #require(AccessTokenReader.parts(of: token))
        #expect(parts.header == ["alg": "RS256", "typ": "at+jwt", "kid": .string(TestKeys.kid)])
        let claims = parts.claims
        for name in ["exp", "iat", "nbf"] {
            guard case .int = claims[name] else {
                Issue.record("\(name) is not a whole number: \(claims[name]?.jsonText ?? "missing")")
                continue
            }
        }
        for name in ["iss", "sub", "aud", "jti", "client_id", "scope"] { #expect(claims[name]?.stringValue != nil, "\(name)") }
        #expect(claims["roles"] == ["user"])
        let trusted = try Step6.TrustedKeys([TestKeys.pair.publicKey])
        let verifier = AccessTokenVerifier(keys: trusted, issuer: WorkshopDefaults.issuer, audience: WorkshopDefaults.resource)
        let verified = try verifier.verify(token)
        #expect(verified.subject == "alice")
        #expect(verified.scopes == ["mcp:read", "mcp:tools", "mcp:prompts"])
    }

    @Test("decode explains a token and says it verifies; exits 1 for one that does not")
    func decodeRoundTrip() throws {
        let keys = TestKeys.files.directory.path
        let token = try DeskRun.run(["--username", "carol", "--keys-dir", keys]).stdout
        let decoded = try DeskRun.run(["decode", "-", "--keys-dir", keys], stdin: token)
        #expect(decoded.status == 0)
        #expect(decoded.stdout.contains("\"sub\" : \"carol\""))
        #expect(decoded.stdout.contains("verifies with the workshop key"))
        let other = try DeskRun.run(["decode", token.trimmingCharacters(in: .newlines), "--keys-dir", TestKeys.emptyFolder().directory.path])
        #expect(other.status == 1)
        #expect(other.stdout.contains("does NOT verify"))
    }

    @Test(
        "bad input exits 2 with a message on stderr and nothing on stdout",
        arguments: [
            ["--username", ""], ["--username", " alice"], ["--scopes", "mcp:read,has space"], ["--scopes", #"quote""#],
            ["--roles", "ad min"], ["--expires-in", "0"], ["--expires-in", "-5"], ["--expires-in", "99999999"],
            ["--expires-in", "soon"], ["--audience", "not-a-url"], ["--issuer", "ftp://x"], ["decode", "not.a.jwt"],
            ["--no-such-flag"],
        ]
    )
    func badInputExitsTwo(arguments: [String]) throws {
        let run = try DeskRun.run(arguments + ["--keys-dir", TestKeys.files.directory.path])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("generate_token:"))
    }

    @Test("--user is refused with a pointer to --username, not to the nearest spelling, --issuer")
    func userLeadsToUsername() throws {
        let run = try DeskRun.run(["--user", "alice", "--keys-dir", TestKeys.files.directory.path])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("--username alice"))
        #expect(!run.stderr.contains("Did you mean"))
    }

    @Test("an unknown scope or role is refused with the ones the workshop knows; no roles at all is still allowed")
    func unknownScopesAndRolesAreRefused() throws {
        let keys = TestKeys.files.directory.path
        let scope = try DeskRun.run(["--scopes", "mcp:read,mcp:write", "--keys-dir", keys])
        #expect(scope.status == 2 && scope.stdout.isEmpty)
        #expect(scope.stderr.contains("'mcp:write'") && scope.stderr.contains("mcp:read, mcp:tools, mcp:prompts, mcp:admin"))
        let role = try DeskRun.run(["--roles", "superuser", "--keys-dir", keys])
        #expect(role.status == 2 && role.stdout.isEmpty)
        #expect(role.stderr.contains("'superuser'") && role.stderr.contains("admin, user, guest"))
        let noRoles = try DeskRun.run(["--roles", "", "--scopes", "mcp:admin", "--keys-dir", keys])
        #expect(noRoles.status == 0)
    }

    @Test("the top-level help keeps its example on one line and names every option of mint")
    func topLevelHelpShowsMintOptions() throws {
        let run = try DeskRun.run(["--help"])
        #expect(run.status == 0)
        // The overview and options, not the subcommands' own one-line descriptions after them.
        let help = run.stdout.components(separatedBy: "SUBCOMMANDS:")[0]
        let example = "TOKEN=$(swift run -q generate_token --username bob --scopes mcp:read)"
        #expect(help.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces) == example })
        let options = { (text: String) in
            Set(text.split(whereSeparator: { " ,\n".contains($0) }).filter { $0.hasPrefix("--") && $0.count > 2 }.map(String.init))
        }
        let mintOptions = options(try DeskRun.run(["help", "mint"]).stdout).subtracting(["--help"])
        #expect(!mintOptions.isEmpty)
        #expect(mintOptions.subtracting(options(help)).isEmpty, "missing from the top-level help")
        #expect(options(help).subtracting(mintOptions).subtracting(["--help"]).isEmpty, "not options of mint")
    }

    @Test("serve --help documents the clients file with an example the issuer accepts; a bad file stops it with exit 2")
    func clientsFileIsDocumented() throws {
        let help = try DeskRun.run(["serve", "--help"]).stdout
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.contains(#"{"clients": ["#) })
        let end = try #require(lines[start...].firstIndex { $0.trimmingCharacters(in: .whitespaces) == "]}" })
        let example = lines[start...end].joined(separator: "\n")
        let clients = try ClientsFile.parse(Data(example.utf8), now: 0, source: "serve --help")
        #expect(clients.map(\.id) == ["admin-console"] && clients[0].ceiling.contains("mcp:admin"))

        let file = TestKeys.emptyFolder().directory.appendingPathExtension("json")
        try Data(#"{"clients": [{"client_id": "x", "token_endpoint_auth_method": "none", "grant_types": [], "scope": "mcp:root"}]}"#.utf8).write(to: file)
        let run = try DeskRun.run(["serve", "--port", "1", "--clients-file", file.path, "--keys-dir", TestKeys.files.directory.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--clients-file \(file.path): clients[0] (x): scope may hold only"))
    }

    @Test("corrupt key files are reported with exit 2 and never overwritten")
    func corruptKeysAreNotOverwritten() throws {
        let files = TestKeys.emptyFolder()
        try FileManager.default.createDirectory(at: files.directory, withIntermediateDirectories: true)
        // A PEM header over garbage; assembled so that no private-key block appears in the repository.
        try Data(("-----BEGIN " + "PRIVATE KEY-----\nnonsense\n").utf8).write(to: files.privateKey)
        let run = try DeskRun.run(["--keys-dir", files.directory.path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("keys --rotate"))
        #expect(try String(contentsOf: files.privateKey, encoding: .utf8).contains("nonsense"))
    }

    @Test("keys --rotate replaces the pair and warns that old tokens stop verifying")
    func rotateReplacesKeys() throws {
        let files = TestKeys.emptyFolder()
        let before = try TokenDesk.open(files).kid
        let run = try DeskRun.run(["keys", "--rotate", "--keys-dir", files.directory.path])
        #expect(run.status == 0)
        #expect(run.stderr.contains("no longer verify"))
        #expect(try TokenDesk.open(files).kid != before)
    }
}
