import Foundation
import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    static let mcpProtocolVersion = Self("MCP-Protocol-Version")!
    static let mcpMethod = Self("Mcp-Method")!
    static let mcpName = Self("Mcp-Name")!
}

/// Sorts a request into its protocol era and enforces that era's header rules.
enum EraCheck {
    static let metaVersionKey = "io.modelcontextprotocol/protocolVersion"
    static let metaCapabilitiesKey = "io.modelcontextprotocol/clientCapabilities"

    /// `initialize` starts the legacy handshake; modern `_meta` (or a modern-only method) means
    /// 2026-07-28, checked statelessly; anything else is a legacy client (MCP 2026-07-28 basic/versioning).
    static func era(of request: JSONRPCRequest, headers: HTTPFields) throws(JSONRPCError) -> ProtocolEra {
        if request.method == "initialize" { return .legacy }
        let headerVersion = headers[.mcpProtocolVersion]
        if request.meta?[metaVersionKey] != nil || request.method == "server/discover"
            || headerVersion == ProtocolVersion.modern
        {
            try checkModern(request, headers: headers)
            return .modern
        }
        // 2025-11-25 transports: an invalid or unsupported MCP-Protocol-Version gets 400.
        if let headerVersion, !ProtocolVersion.legacy.contains(headerVersion) {
            throw .unsupportedProtocolVersion(headerVersion)
        }
        return .legacy
    }

    /// MCP 2026-07-28 basic/index and transports: `_meta` is required, the headers must repeat the body,
    /// and only then is the version itself judged.
    static func checkModern(_ request: JSONRPCRequest, headers: HTTPFields) throws(JSONRPCError) {
        guard let meta = request.meta, let version = meta[metaVersionKey]?.stringValue,
            meta[metaCapabilitiesKey]?.objectValue != nil
        else {
            throw .invalidParams("params._meta must carry \(metaVersionKey) and \(metaCapabilitiesKey)", status: .badRequest)
        }
        guard headers[.mcpProtocolVersion] == version else {
            throw .headerMismatch("MCP-Protocol-Version header must equal _meta \(metaVersionKey)")
        }
        guard headers[.mcpMethod] == request.method else {
            throw .headerMismatch("Mcp-Method header must equal the method in the body")
        }
        if let name = nameInBody(request) {
            guard let header = headers[.mcpName], decodeHeaderValue(header) == name else {
                throw .headerMismatch("Mcp-Name header must equal the name in the body")
            }
        }
        guard version == ProtocolVersion.modern else { throw .unsupportedProtocolVersion(version) }
    }

    /// The body value `Mcp-Name` must repeat: `params.name`, or `params.uri` for resources.
    static func nameInBody(_ request: JSONRPCRequest) -> String? {
        switch request.method {
        case "tools/call", "prompts/get": request.params["name"]?.stringValue ?? ""
        case "resources/read": request.params["uri"]?.stringValue ?? ""
        default: nil
        }
    }

    /// Header values that are not plain ASCII arrive as `=?base64?<value>?=`.
    static func decodeHeaderValue(_ value: String) -> String? {
        guard value.hasPrefix("=?base64?"), value.hasSuffix("?="), value.count >= 11 else { return value }
        let encoded = value.dropFirst(9).dropLast(2)
        guard let data = Data(base64Encoded: String(encoded)) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
