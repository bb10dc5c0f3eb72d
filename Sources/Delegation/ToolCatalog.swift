import WorkshopSupport

/// The tools this server offers, described for `tools/list` (MCP server/tools, "Tool").
enum ToolCatalog {
    static let definitions: [JSONValue] = [echo, getTime, serverStatus] + UserTools.definitions + CalendarEventsTool.definitions + PartnerTools.definitions

    static let echo: JSONValue = [
        "name": "echo",
        "title": "Echo",
        "description": "Repeats a message back, optionally several times. Handy to check that calls get through.",
        "inputSchema": [
            "type": "object",
            "properties": [
                "message": ["type": "string", "description": "The text to repeat.", "minLength": 1, "maxLength": 1000],
                "repeat_count": [
                    "type": "integer", "description": "How many times to repeat it.",
                    "minimum": 1, "maximum": 10, "default": 1,
                ],
            ],
            "required": ["message"],
            "additionalProperties": false,
        ],
        "outputSchema": [
            "type": "object",
            "properties": [
                "echoed": ["type": "string", "description": "The message, repeated, separated by spaces."],
                "repeat_count": ["type": "integer", "description": "How many times it was repeated."],
            ],
            "required": ["echoed", "repeat_count"],
        ],
        // Read-only, so the destructive and idempotent hints do not apply (MCP schema, ToolAnnotations).
        "annotations": ["title": "Echo", "readOnlyHint": true, "openWorldHint": false],
    ]

    static let getTime: JSONValue = [
        "name": "get_time",
        "title": "Current time",
        "description": "Tells the current time in a time zone (UTC unless you name one).",
        "inputSchema": [
            "type": "object",
            "properties": [
                "timezone": ["type": "string", "description": "An IANA time zone name, such as Europe/Paris. Default: UTC."]
            ],
            "additionalProperties": false,
        ],
        "outputSchema": [
            "type": "object",
            "properties": [
                "timezone": ["type": "string", "description": "The IANA name of the zone used."],
                "iso8601": ["type": "string", "description": "The local time with its UTC offset."],
                "unix_time": ["type": "integer", "description": "Seconds since 1970-01-01T00:00:00Z."],
            ],
            "required": ["timezone", "iso8601", "unix_time"],
        ],
        "annotations": ["title": "Current time", "readOnlyHint": true, "openWorldHint": false],
    ]
}
