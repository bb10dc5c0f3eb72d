/// The caller's access token exactly as it was sent, kept for one use: as the `subject_token` of a
/// token exchange at the issuer that issued it (RFC 8693 §2.1). It is never sent to any other API
/// (MCP security best practices, "Token Passthrough"), and it prints as a placeholder, so that no
/// log line or error message can hold it.
struct CallerAccessToken: Sendable, CustomStringConvertible {
    let value: String

    var description: String { "<access token>" }
}
