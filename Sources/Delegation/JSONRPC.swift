import Hummingbird
import WorkshopSupport

/// One JSON-RPC 2.0 request or notification, as MCP sends it (JSON-RPC 2.0 §4; MCP basic/index).
struct JSONRPCRequest: Sendable {
    /// The request id; nil for a notification, which gets no response.
    let id: JSONValue?
    let method: String
    let params: [String: JSONValue]

    var isNotification: Bool { id == nil }

    /// `params._meta`, where 2026-07-28 clients put their protocol version and capabilities.
    var meta: [String: JSONValue]? { params["_meta"]?.objectValue }

    /// Reads a parsed body, accepting only a single well-formed message.
    init(from message: JSONValue) throws(JSONRPCError) {
        guard case .object(let object) = message else {
            if case .array = message {
                throw .invalidRequest("Batches are not supported: send one JSON-RPC message per request")
            }
            throw .invalidRequest("A JSON-RPC message must be a JSON object")
        }
        guard object["jsonrpc"] == "2.0" else { throw .invalidRequest("jsonrpc must be \"2.0\"") }
        switch object["id"] {
        case nil: id = nil
        // MCP: ids are strings or numbers, never null.
        case let value? where value.stringValue != nil || value.intValue != nil: id = value
        default: throw .invalidRequest("id must be a string or an integer")
        }
        guard let method = object["method"]?.stringValue, !method.isEmpty else {
            throw .invalidRequest("method must be a non-empty string")
        }
        self.method = method
        switch object["params"] {
        case nil: params = [:]
        case .object(let value)?: params = value
        default: throw .invalidRequest("params must be an object")
        }
    }
}

/// A JSON-RPC error and the HTTP status it travels with (JSON-RPC 2.0 §5.1; MCP basic/index, transports).
struct JSONRPCError: Error, Sendable {
    let code: Int
    let message: String
    var data: JSONValue? = nil
    var status: HTTPResponse.Status = .ok

    static func parseError(_ message: String) -> Self { .init(code: -32700, message: message, status: .badRequest) }
    static func invalidRequest(_ message: String, status: HTTPResponse.Status = .badRequest) -> Self {
        .init(code: -32600, message: message, status: status)
    }
    static func invalidParams(_ message: String, status: HTTPResponse.Status = .ok) -> Self {
        .init(code: -32602, message: message, status: status)
    }
    /// 2026-07-28 answers an unknown method with HTTP 404; earlier revisions leave the status open.
    static func methodNotFound(_ method: String, era: ProtocolEra) -> Self {
        .init(code: -32601, message: "Method not found: \(method)", status: era == .modern ? .notFound : .ok)
    }
    /// 2026-07-28 HeaderMismatch: an MCP header is missing or disagrees with the body.
    static func headerMismatch(_ message: String) -> Self { .init(code: -32020, message: message, status: .badRequest) }
    /// 2026-07-28 UnsupportedProtocolVersion, listing what this server supports.
    static func unsupportedProtocolVersion(_ requested: String) -> Self {
        .init(
            code: -32022, message: "Unsupported protocol version: \(requested)",
            data: ["supported": .array(ProtocolVersion.supported.map { .string($0) }), "requested": .string(requested)],
            status: .badRequest
        )
    }
}

/// The two JSON-RPC response shapes (JSON-RPC 2.0 §5).
enum JSONRPCResponse {
    static func result(_ result: JSONValue, id: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    /// `id` is null when the request's id could not be read.
    static func error(_ error: JSONRPCError, id: JSONValue?) -> JSONValue {
        var body: [String: JSONValue] = ["code": .int(error.code), "message": .string(error.message)]
        if let data = error.data { body["data"] = data }
        return ["jsonrpc": "2.0", "id": id ?? .null, "error": .object(body)]
    }
}
