/// Who this server says it is, in `/health` and (from Step 2 on) in MCP results.
enum ServerIdentity {
    static let name = "mcp-workshop"
    static let version = "1.0.0"
    /// The module's name, `Delegation`: Step 9 plus one capability, acting for the user on other APIs (chapter 12).
    static let label = String(#fileID.prefix { $0 != "/" })
    static let step = 9
    static let title = "MCP Workshop — Step 9 + delegation"
}
