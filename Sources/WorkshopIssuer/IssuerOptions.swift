import ArgumentParser
import Foundation
import Logging
import NIOSSL
import WorkshopSupport

/// The options of `generate_token serve`: where the issuer listens, what it calls itself, and for whom it issues.
public struct IssuerOptions: ParsableArguments, Sendable {
    @Option(help: "Interface to bind. The issuer has demo users without passwords: keep it on 127.0.0.1.")
    var host = "127.0.0.1"

    @Option(help: "TCP port to listen on (1-65535).")
    var port = 9001

    @Option(
        name: .customLong("public-url"),
        help: ArgumentHelp(
            "Base URL clients use to reach the issuer; it is the issuer identifier (RFC 8414 §2).",
            discussion: "Defaults to http://<host>:<port>, which for the defaults is what the steps trust.",
            valueName: "url"))
    var publicURL: String?

    @Option(
        name: .customLong("resource"),
        help: ArgumentHelp(
            "A protected resource (RFC 8707) tokens may be issued for; repeat it for several. The first is the default.",
            valueName: "url"))
    var resources: [String] = [WorkshopDefaults.resource]

    @Option(
        name: .customLong("token-lifetime"),
        help: ArgumentHelp(
            "Access-token lifetime in seconds, 60 to 86400.",
            discussion: "Five minutes unless you say otherwise: a resource server accepts a revoked token until it expires, and a refresh costs the client one request.",
            valueName: "seconds"))
    var tokenLifetime = IssuerSettings.defaultTokenLifetime

    @Option(
        name: .customLong("clients-file"),
        help: ArgumentHelp(
            "A JSON file of clients you configure in advance (see below); only these may hold mcp:admin or use token exchange.",
            valueName: "file"))
    var clientsFile: String?

    @Option(
        name: .customLong("cimd-trusted-host"),
        help: ArgumentHelp(
            "A host whose Client ID Metadata Documents may be fetched from a private, loopback or link-local address; repeat it for several.",
            discussion: "No other host is: a client_id URL could otherwise make the issuer reach this machine or its network (SSRF). The workshop serves its own documents on localhost, so it trusts localhost.",
            valueName: "host"))
    var documentTrustedHosts: [String] = []

    @Option(
        name: .customLong("cimd-ca-file"),
        help: ArgumentHelp(
            "A PEM file of CA certificates trusted for fetching Client ID Metadata Documents and their jwks_uri, on top of the system's roots.",
            discussion: "Certificates are always verified; this is how a test CA is trusted.",
            valueName: "file"))
    var documentCAFile: String?

    @Option(name: .customLong("log-level"), help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @OptionGroup var keys: KeyOptions

    public init() {}

    public func validate() throws {
        try server.validate()
        guard !resources.isEmpty else { throw ValidationError("Give at least one --resource.") }
        for resource in resources where PublicURL.normalise(resource) == nil {
            throw ValidationError("--resource must be an absolute http(s) URL without query or fragment, got '\(resource)'.")
        }
        guard (60...86_400).contains(tokenLifetime) else {
            throw ValidationError("--token-lifetime must be between 60 and 86400 seconds, got \(tokenLifetime).")
        }
        for host in documentTrustedHosts where !Self.isHostName(host) {
            throw ValidationError("--cimd-trusted-host takes a host name or IP address as it appears in a URL, such as localhost, got '\(host)'.")
        }
    }

    /// A bare host: letters, digits, '-', '.' or ':' (an IPv6 address, without brackets), and no scheme, port or path.
    static func isHostName(_ text: String) -> Bool {
        !text.isEmpty && !text.hasPrefix(".") && !text.contains("://")
            && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-.:".unicodeScalars.contains($0)) }
            && (IPAddress(text) != nil || !text.contains(":"))
    }

    /// The same options in the shape the steps use, for the base URL, logger, binding and banner.
    var server: ServerOptions { ServerOptions(host: host, port: port, publicURL: publicURL, logLevel: logLevel) }

    /// What the issuer needs at run time, with the clients file read; repeated resources collapse to one.
    func settings() throws -> IssuerSettings {
        var unique: [String] = []
        for resource in resources where !unique.contains(resource) { unique.append(resource) }
        var settings = IssuerSettings(issuer: server.baseURL, resources: unique, tokenLifetime: tokenLifetime)
        if let clientsFile { settings.clients = try ClientsFile.load(clientsFile, now: settings.now()) }
        settings.documents.trustedHosts = Set(documentTrustedHosts.map { $0.lowercased() })
        if let documentCAFile { settings.documents.extraRoots = try Self.certificates(in: documentCAFile) }
        return settings
    }

    /// The CA certificates of a PEM file, or why it cannot be used, said for the operator.
    static func certificates(in path: String) throws(IssuerStartFailure) -> [NIOSSLCertificate] {
        guard let text = FileManager.default.contents(atPath: path) else {
            throw IssuerStartFailure(description: "--cimd-ca-file \(path): cannot read the file.")
        }
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(text)), !certificates.isEmpty else {
            throw IssuerStartFailure(description: "--cimd-ca-file \(path): expected PEM certificates (-----BEGIN CERTIFICATE-----).")
        }
        return certificates
    }
}
