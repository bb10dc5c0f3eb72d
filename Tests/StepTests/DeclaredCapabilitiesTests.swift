import Foundation
import Testing
import WorkshopSupport

@testable import Delegation

/// What 2025-11-25 clients declared at `initialize`, kept per caller without sessions: bounded, and never
/// at another caller's expense (MCP client/elicitation, URL mode).
@Suite("Delegation: the URL-elicitation declarations of 2025-11-25 clients")
struct DeclaredCapabilitiesTests {
    static func caller(_ subject: String, client: String) -> Delegation.VerifiedToken {
        let claims: [String: JSONValue] = ["iss": "http://127.0.0.1:9001", "sub": .string(subject), "client_id": .string(client)]
        return Delegation.VerifiedToken(claims: claims, subject: subject, expiresAt: Date() + 300)
    }

    static func initialize(urlElicitation: Bool) throws -> Delegation.JSONRPCRequest {
        let capabilities: JSONValue = urlElicitation ? ["elicitation": ["url": [:]]] : [:]
        return try Delegation.JSONRPCRequest(from: [
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": ["protocolVersion": "2025-11-25", "capabilities": capabilities, "clientInfo": ["name": "test", "version": "1"]],
        ])
    }

    @Test("one person declaring from more clients than the table holds pushes out only their own oldest, never another person's")
    func onePersonCannotEvictOthers() throws {
        let declared = DeclaredCapabilities()
        let alice = Self.caller("alice", client: "alices-client")
        declared.remember(try Self.initialize(urlElicitation: true), caller: alice)
        let request = try Self.initialize(urlElicitation: true)
        for index in 0...DeclaredCapabilities.limit {
            declared.remember(request, caller: Self.caller("mallory", client: "client-\(index)"))
        }
        #expect(declared.supportsURL(alice))
        #expect(declared.supportsURL(Self.caller("mallory", client: "client-\(DeclaredCapabilities.limit)")))
        #expect(!declared.supportsURL(Self.caller("mallory", client: "client-0")))
    }

    @Test("a client acting for itself (sub == client_id) has no declaration kept: it links no account")
    func machinesAreNotKept() throws {
        let declared = DeclaredCapabilities()
        let machine = Self.caller("robot", client: "robot")
        declared.remember(try Self.initialize(urlElicitation: true), caller: machine)
        #expect(!declared.supportsURL(machine))
    }

    @Test("a new initialize from the same client replaces its declaration")
    func redeclaring() throws {
        let declared = DeclaredCapabilities()
        let alice = Self.caller("alice", client: "c")
        declared.remember(try Self.initialize(urlElicitation: true), caller: alice)
        declared.remember(try Self.initialize(urlElicitation: false), caller: alice)
        #expect(!declared.supportsURL(alice))
    }
}
