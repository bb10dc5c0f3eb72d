import Foundation
import WorkshopSupport

/// Renders the prompts of `PromptCatalog` for `prompts/get` (MCP server/prompts, "Getting a Prompt").
enum PromptRenderer {
    /// Unknown prompt or missing required argument → -32602 (MCP server/prompts, "Error Handling").
    static func get(_ params: [String: JSONValue], caller: VerifiedToken? = nil) throws(JSONRPCError) -> [String: JSONValue] {
        guard let name = params["name"]?.stringValue else { throw .invalidParams("prompts/get needs params.name") }
        let arguments = try stringArguments(params["arguments"])
        switch name {
        case "greeting":
            guard let who = arguments["name"], !who.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw .invalidParams("Missing required argument: name")
            }
            // Personalised from the token: who is asking, never what the arguments claim.
            let from = caller.map { " Say that it comes from \($0.claims["preferred_username"]?.stringValue ?? $0.subject)." } ?? ""
            return rendered("A greeting for \(who)", "Please greet \(who) warmly, in one sentence.\(from)")
        case "help":
            // Named from the catalogs, so the text grows with them.
            let tools = ToolCatalog.definitions.compactMap { $0["name"]?.stringValue }
            let prompts = PromptCatalog.definitions.compactMap { $0["name"]?.stringValue }
            return rendered(
                "What this server offers",
                "Explain what this MCP server offers: the tools \(spoken(tools)), and the prompts \(spoken(prompts)). "
                    + "Suggest one way to try each."
            )
        default:
            throw .invalidParams("Unknown prompt: \(name)")
        }
    }

    /// Prompt arguments are a map of strings (MCP schema, GetPromptRequest).
    static func stringArguments(_ value: JSONValue?) throws(JSONRPCError) -> [String: String] {
        guard let value, value != .null else { return [:] }
        guard let object = value.objectValue else { throw .invalidParams("arguments must be an object") }
        var strings: [String: String] = [:]
        for (key, value) in object {
            guard let string = value.stringValue else { throw .invalidParams("Argument \(key) must be a string") }
            strings[key] = string
        }
        return strings
    }

    /// "a", "a and b", "a, b and c".
    static func spoken(_ names: [String]) -> String {
        names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    static func rendered(_ description: String, _ text: String) -> [String: JSONValue] {
        [
            "description": .string(description),
            "messages": [["role": "user", "content": ["type": "text", "text": .string(text)]]],
        ]
    }
}
