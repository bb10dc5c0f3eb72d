import NIOSSL

/// How the issuer fetches Client ID Metadata Documents and the key sets they name: whom it trusts
/// beyond the public internet, and the bounds that keep one client's document from costing the
/// others anything (draft-ietf-oauth-client-id-metadata-document §5.2, §8.6, §8.7).
struct DocumentSettings: Sendable {
    /// Hosts the operator vouches for (`--cimd-trusted-host`): their addresses may be private,
    /// loopback or link-local. The workshop serves its own documents on loopback, so it needs one;
    /// no other host is ever fetched from such an address.
    var trustedHosts: Set<String> = []
    /// CA certificates trusted for these fetches on top of the system's roots (`--cimd-ca-file`):
    /// how a test CA is trusted without ever turning certificate verification off.
    var extraRoots: [NIOSSLCertificate] = []
    /// One fetch, from resolving the host to the last byte of the body.
    var timeout: Duration = .seconds(5)
    /// The most of a document the issuer reads; the draft recommends 5 kilobytes (§8.7).
    var documentBytes = 5 * 1024
    /// The most of a key set (`jwks_uri`) it reads: a few RSA keys need more than a document does.
    var keySetBytes = 16 * 1024
    /// How long a fetched document or key set is kept when its `Cache-Control` names no `max-age`.
    var defaultLifetime = 300
    /// The bounds any `max-age` is held within; `no-store` is obeyed (RFC 9111 §5.2.2.5).
    var lifetimes = 60...86_400
    /// Documents and key sets kept at once.
    var cachedEntries = 1000
    /// Fetches under way at once, and from one host: beyond them a new client waits a few seconds,
    /// while clients the issuer already knows are not slowed at all.
    var fetchesInFlight = 16
    var fetchesPerHost = 4
    /// A client assertion may be valid this long at most, and its `jti` is remembered that long.
    var assertionLifetime = 300
    /// Client assertions remembered at once, for one client and in all, to refuse their replay.
    var assertionsPerClient = 1000
    var assertions = 20_000

    /// The timeout for a person: "5 seconds".
    var timeoutText: String {
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        if milliseconds == 1000 { return "1 second" }
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) seconds" : "\(Double(milliseconds) / 1000) seconds"
    }

    /// True when `host` (lowercase, without brackets) may be on a private, loopback or link-local address.
    func trusts(_ host: String) -> Bool {
        trustedHosts.contains(host)
    }
}
