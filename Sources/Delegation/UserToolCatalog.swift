import WorkshopSupport

/// How the user-aware tools describe themselves in `tools/list` (MCP server/tools, "Tool").
extension UserTools {
    static let whoami: JSONValue = [
        "name": "whoami",
        "title": "Who am I",
        "description": "Tells who the server believes you are, from your access token: issuer and subject, person or machine, username, scopes, roles, expiry.",
        "inputSchema": ["type": "object", "additionalProperties": false],
        "outputSchema": [
            "type": "object",
            "properties": [
                "issuer": ["type": "string"], "subject": ["type": "string"], "kind": ["type": "string", "enum": ["person", "machine"]],
                "username": ["type": "string"], "client_id": ["type": ["string", "null"]],
                "scopes": ["type": "array", "items": ["type": "string"]],
                "effective_scopes": ["type": "array", "items": ["type": "string"]],
                "roles": ["type": "array", "items": ["type": "string"]], "expires_at": ["type": "string"],
            ],
            "required": ["issuer", "subject", "kind", "username", "scopes", "effective_scopes", "roles", "expires_at"],
        ],
        "annotations": ["title": "Who am I", "readOnlyHint": true, "openWorldHint": false],
    ]

    static let noteCreate: JSONValue = [
        "name": "note_create",
        "title": "Create a note",
        "description": "Saves a private note that only you can read.",
        "inputSchema": [
            "type": "object",
            "properties": [
                "title": ["type": "string", "minLength": 1, "maxLength": 200],
                "text": ["type": "string", "minLength": 1, "maxLength": 10000],
            ],
            "required": ["title", "text"],
            "additionalProperties": false,
        ],
        "outputSchema": [
            "type": "object",
            "properties": ["id": ["type": "string"], "title": ["type": "string"], "created_at": ["type": "string"]],
            "required": ["id", "title", "created_at"],
        ],
        "annotations": ["title": "Create a note", "readOnlyHint": false, "destructiveHint": false, "idempotentHint": false, "openWorldHint": false],
    ]

    static let noteList: JSONValue = [
        "name": "note_list",
        "title": "List notes",
        "description": "Lists your notes (administrators: everyone's, titles only).",
        "inputSchema": ["type": "object", "additionalProperties": false],
        "outputSchema": [
            "type": "object",
            "properties": [
                "notes": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": [
                            "id": ["type": "string"], "title": ["type": "string"], "created_at": ["type": "string"],
                            "owner": [
                                "type": "object",
                                "properties": ["issuer": ["type": "string"], "subject": ["type": "string"]],
                                "required": ["issuer", "subject"],
                            ],
                        ],
                        "required": ["id", "title", "created_at", "owner"],
                    ],
                ],
                "all_users": ["type": "boolean"],
            ],
            "required": ["notes", "all_users"],
        ],
        "annotations": ["title": "List notes", "readOnlyHint": true, "openWorldHint": false],
    ]

    static let noteRead: JSONValue = [
        "name": "note_read",
        "title": "Read a note",
        "description": "Reads one of your notes by its id.",
        "inputSchema": [
            "type": "object", "properties": ["id": ["type": "string"]], "required": ["id"], "additionalProperties": false,
        ],
        "outputSchema": [
            "type": "object",
            "properties": [
                "id": ["type": "string"], "title": ["type": "string"], "text": ["type": "string"], "created_at": ["type": "string"],
            ],
            "required": ["id", "title", "text", "created_at"],
        ],
        "annotations": ["title": "Read a note", "readOnlyHint": true, "openWorldHint": false],
    ]

    static let noteDelete: JSONValue = [
        "name": "note_delete",
        "title": "Delete a note",
        "description": "Deletes one of your notes by its id.",
        "inputSchema": [
            "type": "object", "properties": ["id": ["type": "string"]], "required": ["id"], "additionalProperties": false,
        ],
        "outputSchema": [
            "type": "object", "properties": ["id": ["type": "string"], "deleted": ["type": "boolean"]], "required": ["id", "deleted"],
        ],
        "annotations": ["title": "Delete a note", "readOnlyHint": false, "destructiveHint": true, "idempotentHint": true, "openWorldHint": false],
    ]
}
