import ArgumentParser
import Foundation
import WorkshopSupport

/// `generate_token [mint]`: one RFC 9068 access token on standard output.
struct Mint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Mint an access token (the default command).")

    @Option(help: "Who the token speaks for: its sub and preferred_username.")
    var username = "alice"

    @Option(help: ArgumentHelp("Comma-separated scopes (RFC 6749 §3.3 scope tokens).", valueName: "list"))
    var scopes = "mcp:read,mcp:tools,mcp:prompts"

    @Option(help: ArgumentHelp("Comma-separated roles, e.g. admin, user or guest.", valueName: "list"))
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
        let name = username.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name == username, username.count <= 128,
            username.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) })
        else { throw ValidationError("--username must be 1 to 128 characters, without surrounding spaces or control characters.") }
        for scope in scopeList where !TokenRules.isScopeToken(scope) {
            throw ValidationError("--scopes: '\(scope)' is not a scope token (printable ASCII, no spaces, quotes or backslashes).")
        }
        for role in roleList where !TokenRules.isRoleName(role) {
            throw ValidationError("--roles: '\(role)' is not a role name (letters, digits, '.', '_', '-').")
        }
        guard (1...86_400).contains(expiresIn) else {
            throw ValidationError("--expires-in must be between 1 and 86400 seconds (one day), got \(expiresIn).")
        }
        for (flag, url) in [("--audience", audience), ("--issuer", issuer)] where !TokenRules.isHTTPURL(url) {
            throw ValidationError("\(flag) must be an absolute http(s) URL without query or fragment, got '\(url)'.")
        }
    }

    var scopeList: [String] { scopes.split(separator: ",", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
    var roleList: [String] { roles.split(separator: ",", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }

    func run() async throws {
        let desk = try TokenDesk.open(keys.files)
        let now = Int(Date().timeIntervalSince1970)
        // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti; NumericDates are whole seconds.
        let claims: JSONValue = [
            "iss": .string(issuer), "sub": .string(username), "aud": .string(audience),
            "exp": .int(now + expiresIn), "iat": .int(now), "nbf": .int(now), "jti": .string(UUID().uuidString),
            "client_id": .string(clientID), "scope": .string(scopeList.joined(separator: " ")),
            "roles": .array(roleList.map { .string($0) }), "preferred_username": .string(username),
        ]
        let token = try desk.sign(claims)
        print(token)
        note("Minted an access token for \(username), valid for \(TokenRules.duration(expiresIn)).")
        note(TokenExplainer(token: token).summary(now: now))
    }
}

/// The syntax rules the desk enforces on what goes into a token.
enum TokenRules {
    /// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
    static func isScopeToken(_ scope: String) -> Bool {
        !scope.isEmpty && scope.unicodeScalars.allSatisfy { $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value) }
    }

    static func isRoleName(_ role: String) -> Bool {
        !role.isEmpty && role.count <= 64 && role.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) }
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else { return false }
        return ["http", "https"].contains(scheme) && components.host?.isEmpty == false && components.query == nil && components.fragment == nil
    }

    static func duration(_ seconds: Int) -> String {
        switch abs(seconds) {
        case ..<120: "\(abs(seconds)) seconds"
        case ..<7200: "\(abs(seconds) / 60) minutes"
        default: "\(abs(seconds) / 3600) hours"
        }
    }
}
