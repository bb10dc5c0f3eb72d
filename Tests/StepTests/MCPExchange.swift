import Foundation
import Hummingbird
import HummingbirdTesting
import WorkshopSupport

/// One HTTP exchange with `/mcp`, with the body parsed when it is JSON.
struct MCPExchange: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String
    var json: JSONValue? { try? JSONValue(parsing: Data(text.utf8)) }
    var result: JSONValue? { json?["result"] }
    var errorCode: Int? { json?["error"]?["code"]?.intValue }
}

/// Requests as the two eras' clients send them.
enum MCPMessage {
    static let version = "2026-07-28"
    static let jsonHeaders: HTTPFields = [.contentType: "application/json", .accept: "application/json, text/event-stream"]
    static let meta: JSONValue = [
        "io.modelcontextprotocol/protocolVersion": .string(version),
        "io.modelcontextprotocol/clientCapabilities": [:],
        "io.modelcontextprotocol/clientInfo": ["name": "step-tests", "version": "1.0.0"],
    ]

    static func request(_ method: String, id: JSONValue? = 1, params: [String: JSONValue] = [:]) -> JSONValue {
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method), "params": .object(params)]
        if let id { message["id"] = id }
        return .object(message)
    }

    static func modernHeaders(_ method: String, name: String? = nil) -> HTTPFields {
        var headers = jsonHeaders
        headers[.init("MCP-Protocol-Version")!] = version
        headers[.init("Mcp-Method")!] = method
        if let name { headers[.init("Mcp-Name")!] = name }
        return headers
    }

    static func modernParams(_ params: [String: JSONValue]) -> [String: JSONValue] {
        params.merging(["_meta": meta]) { $1 }
    }
}

extension TestClientProtocol {
    func post(_ text: String, headers: HTTPFields = MCPMessage.jsonHeaders, path: String = "/mcp") async throws
        -> MCPExchange
    {
        try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: text)) { response in
            MCPExchange(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }

    /// A 2025-era request: no `_meta`, optionally the negotiated `MCP-Protocol-Version`.
    func legacy(_ method: String, params: [String: JSONValue] = [:], id: JSONValue? = 1, version: String? = nil)
        async throws -> MCPExchange
    {
        var headers = MCPMessage.jsonHeaders
        if let version { headers[.init("MCP-Protocol-Version")!] = version }
        return try await post(MCPMessage.request(method, id: id, params: params).jsonText, headers: headers)
    }

    /// A 2026-07-28 request: `_meta` in the body, the MCP headers repeating it.
    func modern(_ method: String, params: [String: JSONValue] = [:], name: String? = nil) async throws -> MCPExchange {
        let body = MCPMessage.request(method, params: MCPMessage.modernParams(params))
        return try await post(body.jsonText, headers: MCPMessage.modernHeaders(method, name: name))
    }

    func initialize(version: String = "2025-11-25") async throws -> MCPExchange {
        try await legacy(
            "initialize",
            params: [
                "protocolVersion": .string(version), "capabilities": [:],
                "clientInfo": ["name": "step-tests", "version": "1.0.0"],
            ]
        )
    }
}
