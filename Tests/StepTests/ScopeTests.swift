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

    var testDescription: String { name }

    var token: String {
        TokenForge.with { claims in
            claims["scope"] = .string(scope)
            claims["sub"] = .string(name)
            claims["roles"] = roles.map { .array($0.map { .string($0) }) }
        }
    }

    static let guest = Caller(name: "guest", scope: "mcp:read", roles: ["guest"])
    static let user = Caller(name: "user", scope: "mcp:read mcp:tools mcp:prompts", roles: ["user"])
    static let admin = Caller(name: "admin", scope: "mcp:admin", roles: ["admin"])
    static let userAskingForAdmin = Caller(name: "user with mcp:admin scope", scope: "mcp:admin", roles: ["user"])
    static let guestWithBroadScopes = Caller(name: "guest with user scopes", scope: "mcp:read mcp:tools mcp:prompts", roles: ["guest"])
    static let toolsOnlyNoRoles = Caller(name: "mcp:tools, no roles claim", scope: "mcp:tools", roles: nil)
    static let noScopes = Caller(name: "no scopes", scope: "", roles: ["admin"])
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
        (.toolsOnlyNoRoles, .echo, .ok), (.toolsOnlyNoRoles, .toolsList, .forbidden), (.toolsOnlyNoRoles, .greeting, .forbidden),
        (.noScopes, .initialize, .ok), (.noScopes, .toolsList, .forbidden), (.noScopes, .echo, .forbidden),
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
            let user = BearerClient(client: client, token: Caller.user.token)
            let exchange = try await user.legacy("tools/call", params: ["name": "server_status"], id: 7)
            #expect(exchange.status == .forbidden)
            #expect(exchange.headers[.wwwAuthenticate] == #"Bearer error="insufficient_scope", scope="mcp:tools mcp:admin", resource_metadata="http://127.0.0.1:9000/.well-known/oauth-protected-resource/mcp""#)
            #expect(exchange.json?["id"] == 7)
            #expect(exchange.json?["error"]?["code"] == 403)
            let guest = BearerClient(client: client, token: Caller.guest.token)
            let denied = try await guest.legacy("tools/call", params: ["name": "echo", "arguments": ["message": "hi"]])
            #expect(denied.headers[.wwwAuthenticate]?.contains(#"scope="mcp:tools""#) == true)
        }
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
