import Foundation
import WorkshopSupport

/// Runs the tools of `ToolCatalog` for `tools/call` (MCP server/tools, "Calling Tools", "Error Handling").
enum ToolRunner {
    /// A problem with the call itself, reported to the model in the result, not as a protocol error.
    struct Failure: Error {
        let message: String
    }

    /// Unknown tool or malformed request → JSON-RPC error; bad arguments → result with `isError: true`.
    static func call(_ params: [String: JSONValue]) throws(JSONRPCError) -> [String: JSONValue] {
        guard let name = params["name"]?.stringValue else { throw .invalidParams("tools/call needs params.name") }
        let tool: ([String: JSONValue]) throws(Failure) -> JSONValue
        switch name {
        case "echo": tool = echo
        case "get_time": tool = getTime
        case "server_status": tool = serverStatus
        default: throw .invalidParams("Unknown tool: \(name)")
        }
        do throws(Failure) {
            let arguments: [String: JSONValue]
            switch params["arguments"] {
            case nil, .null?: arguments = [:]
            case .object(let object)?: arguments = object
            default: throw Failure(message: "arguments must be an object")
            }
            return success(try tool(arguments))
        } catch {
            return ["content": [["type": "text", "text": .string(error.message)]], "isError": true]
        }
    }

    /// Structured content, and the same JSON as text for clients that read only text (MCP server/tools).
    static func success(_ structured: JSONValue) -> [String: JSONValue] {
        ["content": [["type": "text", "text": .string(structured.jsonText)]], "structuredContent": structured, "isError": false]
    }

    static func echo(_ arguments: [String: JSONValue]) throws(Failure) -> JSONValue {
        try allowOnly(["message", "repeat_count"], in: arguments)
        // JSON Schema's minLength and maxLength count code points.
        guard let message = arguments["message"]?.stringValue, (1...1000).contains(message.unicodeScalars.count) else {
            throw Failure(message: "message must be a string of 1 to 1000 characters")
        }
        let count = arguments["repeat_count"].map { $0.intValue ?? 0 } ?? 1
        guard (1...10).contains(count) else { throw Failure(message: "repeat_count must be an integer from 1 to 10") }
        return ["echoed": .string(Array(repeating: message, count: count).joined(separator: " ")), "repeat_count": .int(count)]
    }

    static func getTime(_ arguments: [String: JSONValue]) throws(Failure) -> JSONValue {
        try allowOnly(["timezone"], in: arguments)
        let name = arguments["timezone"].map { $0.stringValue ?? "" } ?? "UTC"
        guard let zone = TimeZone(identifier: name), name.contains("/") || name == "UTC" else {
            throw Failure(message: "timezone must be an IANA time zone name such as Europe/Paris")
        }
        let now = Date()
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        return ["timezone": .string(name), "iso8601": .string(formatter.string(from: now)), "unix_time": .int(Int(now.timeIntervalSince1970))]
    }

    /// The input schemas say `additionalProperties: false`; enforce it.
    static func allowOnly(_ names: Set<String>, in arguments: [String: JSONValue]) throws(Failure) {
        if let unknown = arguments.keys.sorted().first(where: { !names.contains($0) }) {
            throw Failure(message: "Unknown argument: \(unknown)")
        }
    }
}
