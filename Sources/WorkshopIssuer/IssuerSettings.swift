import Foundation

/// What the issuer is and how long what it hands out lives; the caps keep a flood of requests from exhausting memory.
struct IssuerSettings: Sendable {
    /// The issuer identifier: the public base URL, without a trailing slash (RFC 8414 §2).
    let issuer: String
    /// The protected resources tokens may name as their audience (RFC 8707); the first is the default.
    let resources: [String]
    /// Access-token lifetime in seconds: short, because a resource that checks tokens by their signature
    /// accepts a revoked one until it expires, while a refresh costs the client one request (MCP
    /// security considerations, "Token Theft": authorization servers SHOULD issue short-lived tokens).
    var tokenLifetime = Self.defaultTokenLifetime
    static let defaultTokenLifetime = 300
    /// Authorization codes live one minute (RFC 6749 §4.1.2 recommends at most ten).
    var codeLifetime = 60
    /// A refresh token lives a day from its issue; each use returns a new one.
    var refreshLifetime = 86_400
    /// How long a sign-in page may stay open before its form is refused.
    var signInPageLifetime = 600
    /// However often its refresh token is used, a grant ends thirty days after the sign-in.
    var grantLifetime = 30 * 86_400
    /// A self-registered client that has not got a token this long after registering may be forgotten.
    var unusedClientLifetime = 600
    var limits = Limits()
    /// The clients the operator configured (`--clients-file`); they are never forgotten.
    var clients: [RegisteredClient] = []
    /// How Client ID Metadata Documents are fetched (`--cimd-trusted-host`, `--cimd-ca-file`).
    var documents = DocumentSettings()
    /// Seconds since 1970, whole; tests move it.
    var now: @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }

    /// How many of each thing the issuer keeps at most: for one client, and in all.
    struct Limits: Sendable {
        /// Self-registered clients at once; the configured ones are not counted.
        var clients = 1000
        var pendingCodes = 1000
        var grants = 10_000
        /// Access tokens the issuer records (those of grants, and revoked ones).
        var accessTokens = 20_000
        var perClient = PerClient()
        /// Spent codes and rotated refresh tokens a grant remembers, to detect their reuse; its oldest go first.
        var spentPerGrant = 20
        /// The largest form or JSON body accepted, in bytes.
        var bodyBytes = 16 * 1024
    }

    /// What one client may hold at once: far more than any client needs, far less than the issuer's limits.
    struct PerClient: Sendable {
        var pendingCodes = 10
        var grants = 25
        var accessTokens = 100
    }

    func url(_ path: String) -> String { issuer + path }
}

extension IssuerSettings {
    /// The audience to issue for: the requested resource if this issuer serves it, else the default (RFC 8707 §2).
    func resource(requested: String?) throws(OAuthError) -> String {
        guard let requested else { return resources[0] }
        guard resources.contains(requested) else {
            throw OAuthError(OAuthError.invalidTarget, "This issuer does not issue tokens for that resource.")
        }
        return requested
    }
}
