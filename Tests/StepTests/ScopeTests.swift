import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@testable import Step8
@testable import Step9

/// Who is calling, as a token says.
struct Caller: CustomTestStringConvertible, Sendable {
    let name: String
    let scope: String
    let roles: [String]?
    /// The token's `client_id`; a machine's is its own `sub`.
    var clientID = "tests"

    var testDescription: String { name }

    var token: String {
        TokenForge.with { claims in
            claims["scope"] = .string(scope)
            claims["sub"] = .string(name)
            claims["roles"] = roles.map { .array($0.map { .string($0) }) }
            claims["client_id"] = .string(clientID)
        }
    }

    static let guest = Caller(name: "guest", scope: "mcp:read", roles: ["guest"])
    static let user = Caller(name: "user", scope: "mcp:read mcp:tools mcp:prompts", roles: ["user"])
    static let admin = Caller(name: "admin", scope: "mcp:admin", roles: ["admin"])
    static let userAskingForAdmin = Caller(name: "user with mcp:admin scope", scope: "mcp:admin", roles: ["user"])
    static let guestWithBroadScopes = Caller(name: "guest with user scopes", scope: "mcp:read mcp:tools mcp:prompts", roles: ["guest"])
    static let toolsOnlyNoRoles = Caller(name: "mcp:tools, no roles claim", scope: "mcp:tools", roles: nil)
    static let noRoles = Caller(name: "user scopes, no roles claim", scope: "mcp:read mcp:tools mcp:prompts", roles: nil)
    static let noScopes = Caller(name: "no scopes", scope: "", roles: ["admin"])
    static let adminReadOnly = Caller(name: "admin with mcp:read only", scope: "mcp:read", roles: ["admin"])
    static let userReadOnly = Caller(name: "user with mcp:read only", scope: "mcp:read", roles: ["user"])
    /// Client credentials (RFC 6749 §4.4): `sub` is the client itself, and no person stands behind it.
    static let machine = Caller(name: "nightly-report", scope: "mcp:admin", roles: nil, clientID: "nightly-report")
    static let machineClaimingAdmin = Caller(name: "build-bot", scope: "mcp:admin", roles: ["admin"], clientID: "build-bot")
}

/// One operation a caller may or may not be allowed.
struct Operation: CustomTestStringConvertible, Sendable {
    let name: String
    let method: String
    let params: [String: JSONValue]
    var testDescription: String { name }

    static let initialize = Operation(name: "initialize", method: "initialize", params: [
        "protocolVersion": "2025-11-25", "capabilities": [:], "clientInfo": ["name": "t", "version": "1"],
    ])
    static let toolsList = Operation(name: "tools/list", method: "tools/list", params: [:])
    static let promptsList = Operation(name: "prompts/list", method: "prompts/list", params: [:])
    static let echo = Operation(name: "tools/call echo", method: "tools/call", params: ["name": "echo", "arguments": ["message": "hi"]])
    static let serverStatus = Operation(name: "tools/call server_status", method: "tools/call", params: ["name": "server_status"])
    static let greeting = Operation(name: "prompts/get greeting", method: "prompts/get", params: ["name": "greeting", "arguments": ["name": "Ada"]])
}

@Suite("Scopes and roles (Steps 8-9)")
struct ScopeTests {
    static let matrix: [(Caller, Operation, HTTPResponse.Status)] = [
        (.guest, .initialize, .ok), (.guest, .toolsList, .ok), (.guest, .promptsList, .ok),
        (.guest, .echo, .forbidden), (.guest, .serverStatus, .forbidden), (.guest, .greeting, .forbidden),
        (.user, .toolsList, .ok), (.user, .echo, .ok), (.user, .greeting, .ok), (.user, .serverStatus, .forbidden),
        (.admin, .toolsList, .ok), (.admin, .echo, .ok), (.admin, .greeting, .ok), (.admin, .serverStatus, .ok),
        (.userAskingForAdmin, .echo, .ok), (.userAskingForAdmin, .serverStatus, .forbidden),
        (.guestWithBroadScopes, .toolsList, .ok), (.guestWithBroadScopes, .echo, .forbidden),
        (.toolsOnlyNoRoles, .echo, .forbidden), (.toolsOnlyNoRoles, .toolsList, .forbidden), (.toolsOnlyNoRoles, .greeting, .forbidden),
        (.noRoles, .initialize, .ok), (.noRoles, .toolsList, .ok), (.noRoles, .echo, .forbidden), (.noRoles, .greeting, .forbidden),
        (.noScopes, .initialize, .ok), (.noScopes, .toolsList, .forbidden), (.noScopes, .echo, .forbidden),
        (.adminReadOnly, .toolsList, .ok), (.adminReadOnly, .echo, .forbidden), (.adminReadOnly, .serverStatus, .forbidden),
        (.machine, .initialize, .ok), (.machine, .toolsList, .ok), (.machine, .echo, .ok), (.machine, .serverStatus, .forbidden),
        (.machine, .greeting, .forbidden), (.machineClaimingAdmin, .serverStatus, .forbidden), (.machineClaimingAdmin, .echo, .ok),
    ]

    @Test("each caller gets the status the policy table says, in both eras", arguments: StepUnderTest.policySteps, matrix)
    func policyMatrix(step: StepUnderTest, row: (caller: Caller, operation: Operation, expected: HTTPResponse.Status)) async throws {
        let (caller, operation, expected) = row
        try await step.withoutToken { client async throws in
            let legacy = BearerClient(client: client, token: caller.token)
            #expect(try await legacy.legacy(operation.method, params: operation.params).status == expected)
            guard operation.method != "initialize" else { return }
            let name = operation.params["name"]?.stringValue
            #expect(try await legacy.modern(operation.method, params: operation.params, name: name).status == expected)
        }
    }

    @Test("a 403 names every scope the operation needs, the metadata, and carries a JSON-RPC error")
    func forbiddenChallengeListsAllScopes() async throws {
        try await StepUnderTest.step8.withoutToken { client async throws in
            let admin = BearerClient(client: client, token: Caller.adminReadOnly.token)
            let exchange = try await admin.legacy("tools/call", params: ["name": "server_status"], id: 7)
            #expect(exchange.status == .forbidden)
            #expect(exchange.headers[.wwwAuthenticate] == #"Bearer error="insufficient_scope", scope="mcp:tools mcp:admin", resource_metadata="http://127.0.0.1:9000/.well-known/oauth-protected-resource/mcp""#)
            #expect(exchange.json?["id"] == 7)
            #expect(exchange.json?["error"]?["code"] == 403)
            let user = BearerClient(client: client, token: Caller.userReadOnly.token)
            let denied = try await user.legacy("tools/call", params: ["name": "echo", "arguments": ["message": "hi"]])
            #expect(denied.headers[.wwwAuthenticate]?.contains(#"scope="mcp:tools""#) == true)
        }
    }

    @Test(
        "when the caller's role can never allow it, the 403 carries no challenge: no scope would help",
        arguments: StepUnderTest.policySteps,
        [(Caller.user, Operation.serverStatus), (.guest, .echo), (.guest, .greeting), (.noRoles, .echo)]
    )
    func roleThatCanNeverAllowGetsNoChallenge(step: StepUnderTest, row: (caller: Caller, operation: Operation)) async throws {
        try await step.withoutToken { client async throws in
            let exchange = try await BearerClient(client: client, token: row.caller.token).legacy(row.operation.method, params: row.operation.params)
            #expect(exchange.status == .forbidden)
            #expect(exchange.headers[.wwwAuthenticate] == nil)
            #expect(exchange.json?["error"]?["message"] == "Your role does not allow this operation")
        }
    }

    @Test(
        "a client acting on its own behalf (sub == client_id) never reaches the admin tool, whatever scope or roles it claims",
        arguments: StepUnderTest.policySteps, [Caller.machine, .machineClaimingAdmin]
    )
    func machineNeverReachesAdminTool(step: StepUnderTest, caller: Caller) async throws {
        try await step.withoutToken { client async throws in
            let machine = BearerClient(client: client, token: caller.token)
            let exchange = try await machine.legacy("tools/call", params: ["name": "server_status"])
            #expect(exchange.status == .forbidden)
            #expect(exchange.headers[.wwwAuthenticate] == nil)
            #expect(exchange.json?["error"]?["message"]?.stringValue?.contains("on its own behalf") == true)
            #expect(exchange.text.contains("process_id") == false)
            let tools = try await machine.legacy("tools/list").result?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(tools.contains("echo"))
            #expect(!tools.contains("server_status"))
        }
    }

    @Test("a token without a roles claim gets the default role, guest unless --default-role says otherwise", arguments: StepUnderTest.policySteps)
    func missingRolesClaimGetsDefaultRole(step: StepUnderTest) async throws {
        let echo = Operation.echo
        try await step.withoutToken { client async throws in
            let caller = BearerClient(client: client, token: Caller.noRoles.token)
            #expect(try await caller.legacy("tools/list").status == .ok)
            #expect(try await caller.legacy(echo.method, params: echo.params).status == .forbidden)
        }
        try await step.withoutToken(defaultRoles: ["user"]) { client async throws in
            let caller = BearerClient(client: client, token: Caller.noRoles.token)
            #expect(try await caller.legacy(echo.method, params: echo.params).status == .ok)
            // A token that says its roles is taken at its word.
            #expect(try await BearerClient(client: client, token: Caller.guestWithBroadScopes.token).legacy(echo.method, params: echo.params).status == .forbidden)
        }
        // A token without roles is never an administrator's, whatever its scope.
        try await step.withoutToken(defaultRoles: ["user"]) { client async throws in
            let noRolesAdmin = Caller(name: "no roles, mcp:admin", scope: "mcp:admin", roles: nil)
            let exchange = try await BearerClient(client: client, token: noRolesAdmin.token).legacy("tools/call", params: ["name": "server_status"])
            #expect(exchange.status == .forbidden)
        }
    }

    @Test("--default-role ISSUER=ROLE sets the default for that issuer only", arguments: StepUnderTest.policySteps)
    func defaultRolePerIssuer(step: StepUnderTest) async throws {
        try await TestIssuer.run { issuer in
            try await step.withoutToken(issuers: [WorkshopDefaults.issuer, issuer.url], defaultRoles: ["\(issuer.url)=user"]) { client async throws in
                let echo = Operation.echo
                let theirs = issuer.token { $0["roles"] = nil }
                #expect(try await BearerClient(client: client, token: theirs).legacy(echo.method, params: echo.params).status == .ok)
                // The workshop issuer has no default of its own, so its role-less tokens get guest.
                #expect(try await BearerClient(client: client, token: Caller.noRoles.token).legacy(echo.method, params: echo.params).status == .forbidden)
            }
        }
    }

    @Test(
        "--default-role refuses admin, roles the table does not know, issuers it does not trust, and a second default for one issuer",
        arguments: [["--default-role", "admin"], ["--default-role", "superuser"], ["--default-role", "http://127.0.0.1:9001=admin"],
                    ["--default-role", "http://elsewhere.example=user"], ["--default-role", "user", "--default-role", "guest"],
                    ["--default-role", ""]]
    )
    func invalidDefaultRolesAreRefused(arguments: [String]) {
        #expect(throws: (any Error).self) { try Step8.AuthOptions.parse(arguments) }
        #expect(throws: (any Error).self) { try Step9.AuthOptions.parse(arguments) }
    }

    @Test("--default-role takes a bare role for every issuer, and ISSUER=ROLE for one")
    func defaultRolesParse() throws {
        let auth = try Step8.AuthOptions.parse(["--issuer", "http://a.example", "--issuer", "http://b.example", "--default-role", "user",
                                                "--default-role", "http://b.example=guest"])
        #expect(auth.roles.defaultRole(for: "http://a.example") == "user")
        #expect(auth.roles.defaultRole(for: "http://b.example") == "guest")
        #expect(try Step8.AuthOptions.parse([]).roles.defaultRole(for: WorkshopDefaults.issuer) == "guest")
    }

    @Test("when a role forbids what the token's scopes allow, the 403 carries no challenge, so no client signs in again for it", arguments: StepUnderTest.policySteps)
    func roleDenialAsksForNoScopes(step: StepUnderTest) async throws {
        try await step.withoutToken { client async throws in
            let caller = BearerClient(client: client, token: Caller.userAskingForAdmin.token)
            let exchange = try await caller.legacy("tools/call", params: ["name": "server_status"])
            #expect(exchange.status == .forbidden)
            #expect(exchange.headers[.wwwAuthenticate] == nil)
            #expect(exchange.json?["error"]?["message"] == "Your role does not allow this operation")
        }
    }

    @Test("every tool in the catalog has a row in the policy table", arguments: StepUnderTest.policySteps)
    func everyToolHasAPolicyRow(step: StepUnderTest) {
        let (catalog, table) = step == .step8
            ? (Step8.ToolCatalog.definitions, Step8.AccessPolicy.toolScopes)
            : (Step9.ToolCatalog.definitions, Step9.AccessPolicy.toolScopes)
        for tool in catalog {
            let name = tool["name"]?.stringValue ?? ""
            #expect(table[name] != nil, "\(name) has no row in AccessPolicy.toolScopes")
        }
    }

    @Test("lists show only what the caller may use, and are private to the caller")
    func listsAreFilteredPerCaller() async throws {
        try await StepUnderTest.step8.withoutToken { client async throws in
            func toolNames(_ caller: Caller) async throws -> [String] {
                let exchange = try await BearerClient(client: client, token: caller.token).modern("tools/list")
                #expect(exchange.result?["cacheScope"] == "private")
                return exchange.result?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            }
            #expect(try await Array(toolNames(.admin).prefix(3)) == ["echo", "get_time", "server_status"])
            #expect(try await Array(toolNames(.user).prefix(2)) == ["echo", "get_time"])
            #expect(try await !toolNames(.user).contains("server_status"))
            #expect(try await toolNames(.guest) == [])
            let prompts = try await BearerClient(client: client, token: Caller.guest.token).legacy("prompts/list")
            #expect(prompts.result?["prompts"] == [])
        }
    }

    @Test("the admin-only tool answers the admin with its structured status")
    func adminToolRunsForAdmin() async throws {
        try await StepUnderTest.step8.withoutToken { client async throws in
            let admin = BearerClient(client: client, token: Caller.admin.token)
            let exchange = try await admin.modern("tools/call", params: ["name": "server_status"], name: "server_status")
            #expect(exchange.result?["structuredContent"]?["step"] == 8)
            #expect(exchange.result?["isError"] == false)
        }
    }
}
