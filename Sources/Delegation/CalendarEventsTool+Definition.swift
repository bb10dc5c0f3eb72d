import WorkshopSupport

/// How `calendar_events` describes itself in `tools/list` (MCP server/tools, "Tool").
extension CalendarEventsTool {
    static let definitions: [JSONValue] = [definition]

    static let definition: JSONValue = [
        "name": .string(name),
        "title": "My calendar",
        "description": .string(
            "Lists your events from the calendar API. The server gets a short-lived token for the calendar from your"
                + " issuer (token exchange); your own token is never sent to the calendar."),
        "inputSchema": ["type": "object", "additionalProperties": false],
        "outputSchema": [
            "type": "object",
            "properties": [
                "calendar": ["type": "string"],
                "owner": [
                    "type": "object", "properties": ["issuer": ["type": "string"], "subject": ["type": "string"]],
                    "required": ["issuer", "subject"],
                ],
                "events": [
                    "type": "array",
                    "items": [
                        "type": "object", "properties": ["title": ["type": "string"], "start": ["type": "string"]],
                        "required": ["title", "start"],
                    ],
                ],
                "via": ["type": ["string", "null"], "description": "The client that got the calendar's token for you (RFC 8693 act)."],
            ],
            "required": ["calendar", "owner", "events", "via"],
        ],
        "annotations": ["title": "My calendar", "readOnlyHint": true, "openWorldHint": false],
    ]
}
