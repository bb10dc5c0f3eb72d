import Foundation
import WorkshopSupport

/// A tool only administrators may see and call; `AccessPolicy` says so.
extension ToolCatalog {
    static let serverStatus: JSONValue = [
        "name": "server_status",
        "title": "Server status",
        "description": "Administrators only: which step is running, its version, and its process id.",
        "inputSchema": ["type": "object", "additionalProperties": false],
        "outputSchema": [
            "type": "object",
            "properties": [
                "step": ["type": "integer"],
                "version": ["type": "string"],
                "process_id": ["type": "integer"],
            ],
            "required": ["step", "version", "process_id"],
        ],
        "annotations": ["title": "Server status", "readOnlyHint": true, "openWorldHint": false],
    ]
}

extension ToolRunner {
    static func serverStatus(_ arguments: [String: JSONValue]) throws(Failure) -> JSONValue {
        try allowOnly([], in: arguments)
        return [
            "step": .int(ServerIdentity.step), "version": .string(ServerIdentity.version),
            "process_id": .int(Int(ProcessInfo.processInfo.processIdentifier)),
        ]
    }
}
