import CryptoExtras

/// What the calendar trusts and who it is: one issuer and its keys, its own resource identifier, and
/// the clients it accepts as actors for a user.
public struct CalendarSettings: Sendable {
    /// The calendar's resource path: its resource identifier is the base URL plus this (RFC 8707 §2).
    public static let resourcePath = "/calendar"
    /// The scope a token must carry to read the events.
    public static let scope = "calendar:read"

    public var name: String
    /// The base URL clients use, normalised (`ServerOptions.baseURL`).
    public var baseURL: String
    /// The one `iss` accepted, compared exactly (RFC 9068 §4 step 3).
    public var issuer: String
    /// The issuer's public keys, from the token desk's files.
    public var keys: [_RSA.Signing.PublicKey]
    /// Clients whose exchanged tokens are accepted (RFC 8693 §4.1 `act.sub`); empty: no delegation accepted.
    public var allowedActors: [String]

    public init(name: String, baseURL: String, issuer: String, keys: [_RSA.Signing.PublicKey], allowedActors: [String] = []) {
        (self.name, self.baseURL, self.issuer, self.keys, self.allowedActors) = (name, baseURL, issuer, keys, allowedActors)
    }

    /// The audience a token must name (RFC 8707 §2, RFC 9068 §4 step 4).
    public var resource: String { baseURL + Self.resourcePath }

    /// Where the RFC 9728 document is: the well-known prefix inserted before the resource's path (§3.1).
    public var metadataURL: String { baseURL + CalendarMetadata.path }
}
