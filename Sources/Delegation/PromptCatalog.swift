import WorkshopSupport

/// The prompts this server offers, described for `prompts/list` (MCP server/prompts, "Prompt").
enum PromptCatalog {
    static let definitions: [JSONValue] = [greeting, help]

    static let greeting: JSONValue = [
        "name": "greeting",
        "title": "Greeting",
        "description": "Asks the model to greet someone by name.",
        "arguments": [
            ["name": "name", "title": "Name", "description": "Who to greet.", "required": true]
        ],
    ]

    static let help: JSONValue = [
        "name": "help",
        "title": "Help",
        "description": "Asks the model to explain what this server offers and how to try it.",
        "arguments": [],
    ]
}
