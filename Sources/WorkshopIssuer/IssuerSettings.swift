import Foundation

/// What the issuer is and how long what it hands out lives; the caps keep a flood of requests from exhausting memory.
struct IssuerSettings: Sendable {
    /// The issuer identifier: the public base URL, without a trailing slash (RFC 8414 §2).
    let issuer: String
    /// The protected resources tokens may name as their audience (RFC 8707); the first is the default.
    let resources: [String]
    /// Access-token lifetime in seconds.
    var tokenLifetime = 3600
    /// Authorization codes live one minute (RFC 6749 §4.1.2 recommends at most ten).
    var codeLifetime = 60
    /// A refresh token lives a day from its issue; each use returns a new one.
    var refreshLifetime = 86_400
    /// How long a sign-in page may stay open before its form is refused.
    var signInPageLifetime = 600
    var limits = Limits()
    /// The clients the operator configured (`--clients-file`); they are never forgotten.
    var clients: [RegisteredClient] = []
    /// Seconds since 1970, whole; tests move it.
    var now: @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }

    /// How many of each thing the issuer keeps at most.
    struct Limits: Sendable {
        var clients = 1000
        var pendingCodes = 1000
        var grants = 10_000
        var accessTokens = 20_000
        /// Spent codes and rotated refresh tokens, kept to detect their reuse; the oldest go first.
        var spentCredentials = 20_000
        /// The largest form or JSON body accepted, in bytes.
        var bodyBytes = 16 * 1024
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
