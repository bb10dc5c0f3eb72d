import Foundation
import WorkshopSupport

/// A tool only administrators may see and call; `AccessPolicy` says so.
extension ToolCatalog {
    static let serverStatus: JSONValue = [
        "name": "server_status",
        "title": "Server status",
        "description": "Administrators only: which step is running, its version, and for how long.",
        "inputSchema": ["type": "object", "additionalProperties": false],
        "outputSchema": [
            "type": "object",
            "properties": [
                "step": ["type": "integer"],
                "uptime_seconds": ["type": "integer"],
                "version": ["type": "string"],
            ],
            "required": ["step", "uptime_seconds", "version"],
        ],
        "annotations": ["title": "Server status", "readOnlyHint": true, "openWorldHint": false],
    ]
}

extension ToolRunner {
    static let startedAt = Date()

    static func serverStatus(_ arguments: [String: JSONValue]) throws(Failure) -> JSONValue {
        try allowOnly([], in: arguments)
        return [
            "step": .int(ServerIdentity.step), "uptime_seconds": .int(Int(Date().timeIntervalSince(startedAt))),
            "version": .string(ServerIdentity.version),
        ]
    }
}
