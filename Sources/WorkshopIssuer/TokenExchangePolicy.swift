import WorkshopSupport

/// What a configured client may get by token exchange (RFC 8693): the clients-file member
/// `"token_exchange": {"subject_audience": URL, "targets": {URL: {scope: required subject scope}}}`.
/// A subject token must have been issued for `subjectAudience` (the resource the client serves), and
/// each target scope needs its required scope in that token: an exchange narrows, it never widens.
struct TokenExchangePolicy: Sendable, Equatable {
    /// RFC 8693 §2.1 and §3: the grant type and the one token type this issuer exchanges and issues.
    static let grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    static let refreshTokenType = "urn:ietf:params:oauth:token-type:refresh_token"
    static let maxTargets = 20

    let subjectAudience: String
    /// Target audience → (scope it may get → the scope the subject token must carry for it).
    let targets: [String: [String: String]]

    /// Reads the member; the reason it cannot be used, said for the operator, otherwise.
    init(_ value: JSONValue) throws(ClientsFile.Failure) {
        func fail(_ text: String) -> ClientsFile.Failure { ClientsFile.Failure(description: "token_exchange: \(text)") }
        let example = #"{"subject_audience": "http://127.0.0.1:9000/mcp", "targets": {"http://127.0.0.1:9100/calendar": {"calendar:read": "mcp:read"}}}"#
        guard let object = value.objectValue, Set(object.keys) == ["subject_audience", "targets"] else {
            throw fail("expected an object with subject_audience and targets, such as \(example).")
        }
        guard let audience = object["subject_audience"]?.stringValue, PublicURL.normalise(audience) == audience else {
            throw fail("subject_audience must be the resource this client serves, an absolute http(s) URL without query, fragment or trailing slash, such as http://127.0.0.1:9000/mcp.")
        }
        guard let targets = object["targets"]?.objectValue, (1...Self.maxTargets).contains(targets.count) else {
            throw fail("targets must map 1 to \(Self.maxTargets) audiences to their scopes, such as \(example).")
        }
        var read: [String: [String: String]] = [:]
        for (target, scopes) in targets {
            guard PublicURL.normalise(target) == target else {
                throw fail("the target \(target) must be an absolute http(s) URL without query, fragment or trailing slash (RFC 8707 §2).")
            }
            guard let scopes = scopes.objectValue, !scopes.isEmpty else {
                throw fail("targets[\(target)] must map each scope it may get to the scope the subject token must carry, such as {\"calendar:read\": \"mcp:read\"}.")
            }
            var map: [String: String] = [:]
            for (scope, required) in scopes {
                guard ScopeList.supported.contains(scope), let required = required.stringValue, ScopeList.supported.contains(required) else {
                    throw fail("targets[\(target)]: \(scope) → \(required.jsonText) must name one scope to grant and one the subject token must carry, each of \(ScopeList.text(ScopeList.supported)).")
                }
                map[scope] = required
            }
            read[target] = map
        }
        (subjectAudience, self.targets) = (audience, read)
    }
}
