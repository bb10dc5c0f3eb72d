import ArgumentParser
import Foundation
import WorkshopIssuer
import WorkshopSupport

/// `generate_token [mint]`: one RFC 9068 access token on standard output.
struct Mint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Mint an access token (the default command).")

    @Option(help: "Who the token speaks for: its sub and preferred_username.")
    var username = "alice"

    // Said for a person: the parser alone would suggest --issuer, the nearest spelling.
    @Option(name: .customLong("user"), help: .hidden)
    var misspelledUsername: String?

    @Option(help: ArgumentHelp("Comma-separated scopes, of \(ScopeList.supported.joined(separator: ", ")).", valueName: "list"))
    var scopes = "mcp:read,mcp:tools,mcp:prompts"

    @Option(help: ArgumentHelp("Comma-separated roles, of \(Role.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "list"))
    var roles = "user"

    @Option(name: .customLong("expires-in"), help: "Lifetime in seconds, 1 to 86400.")
    var expiresIn = 3600

    @Option(help: "The audience: the MCP endpoint's canonical URI (RFC 8707).")
    var audience = WorkshopDefaults.resource

    @Option(help: "The issuer URL the steps trust.")
    var issuer = WorkshopDefaults.issuer

    @Option(name: .customLong("client-id"), help: "The client the token was issued to.")
    var clientID = "workshop-token-desk"

    @OptionGroup var keys: KeyOptions

    func validate() throws {
        if let misspelledUsername {
            throw ValidationError("There is no --user option; the user is --username (--username \(misspelledUsername)).")
        }
        let name = username.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name == username, username.count <= 128,
            username.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) })
        else { throw ValidationError("--username must be 1 to 128 characters, without surrounding spaces or control characters.") }
        // A typo would mint a token that every step refuses for reasons hard to see: refuse it here.
        for scope in scopeList where !ScopeList.supported.contains(scope) {
            throw ValidationError("--scopes: '\(scope)' is not a workshop scope; use any of \(ScopeList.supported.joined(separator: ", ")).")
        }
        for role in roleList where Role(rawValue: role) == nil {
            throw ValidationError("--roles: '\(role)' is not a workshop role; use any of \(Role.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard (1...86_400).contains(expiresIn) else {
            throw ValidationError("--expires-in must be between 1 and 86400 seconds (one day), got \(expiresIn).")
        }
        for (flag, url) in [("--audience", audience), ("--issuer", issuer)] where PublicURL.normalise(url) == nil {
            throw ValidationError("\(flag) must be an absolute http(s) URL without query or fragment, got '\(url)'.")
        }
    }

    var scopeList: [String] { scopes.split(separator: ",", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
    var roleList: [String] { roles.split(separator: ",", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }

    func run() async throws {
        let desk = try TokenDesk.open(keys.files)
        let now = Int(Date().timeIntervalSince1970)
        let claims = AccessTokenClaims(
            issuer: issuer, subject: username, audience: audience, clientID: clientID, scopes: scopeList, issuedAt: now,
            expiresAt: now + expiresIn, jti: UUID().uuidString, user: .init(name: username, roles: roleList))
        let token = try desk.sign(claims)
        print(token)
        note("Minted an access token for \(username), valid for \(TokenSummary.duration(expiresIn)).")
        note(TokenSummary(claims: claims.json).text(now: now))
    }
}
