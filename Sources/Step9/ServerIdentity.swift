/// Who this server says it is, in `/health` and (from Step 2 on) in MCP results.
enum ServerIdentity {
    static let name = "mcp-workshop"
    static let version = "1.0.0"
    static let step = 9
    static let title = "MCP Workshop — Step 9"
    static let label = "Step9"
}
