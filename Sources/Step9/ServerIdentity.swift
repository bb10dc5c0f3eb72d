/// Who this server says it is, in `/health` and (from Step 2 on) in MCP results.
enum ServerIdentity {
    static let name = "mcp-workshop"
    static let version = "1.0.0"
    /// The module's name, `Step1` to `Step9`: a step's number is written in one place only, `Package.swift`.
    static let label = String(#fileID.prefix { $0 != "/" })
    static let step = Int(label.dropFirst("Step".count))!
    static let title = "MCP Workshop — Step \(step)"
}
