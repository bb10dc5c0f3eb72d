/// The defaults that the steps and `generate_token` must agree on, so that a token minted
/// with no options is accepted by a step started with no options.
public enum WorkshopDefaults {
    /// The workshop issuer: a URL, because clients are sent to it to sign in.
    public static let issuer = "http://127.0.0.1:9001"
    /// The MCP endpoint of a default step: the resource identifier tokens are minted for.
    public static let resource = "http://127.0.0.1:9000/mcp"
}
