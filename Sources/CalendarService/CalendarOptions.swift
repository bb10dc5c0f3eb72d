import ArgumentParser
import Logging
import WorkshopSupport

/// The options of `CalendarAPI`: where it listens, which issuer it trusts, and which delegations it accepts.
public struct CalendarOptions: ParsableArguments, Sendable {
    /// Where the calendar listens unless told otherwise: beside the MCP server (9000) and the issuer (9001).
    public static let defaultPort = 9100

    @Option(help: "Interface to bind. The demo calendar is for your own machine: keep it on 127.0.0.1.")
    var host = "127.0.0.1"

    @Option(help: "TCP port to listen on (1-65535).")
    var port = CalendarOptions.defaultPort

    @Option(
        name: .customLong("public-url"),
        help: ArgumentHelp(
            "Base URL clients use to reach the calendar, e.g. https://calendar.example.com.",
            discussion: "Defaults to http://<host>:<port>. The resource, the audience tokens must name, is <public-url>/calendar.",
            valueName: "url"))
    var publicURL: String?

    @Option(
        help: ArgumentHelp(
            "The one issuer whose tokens are accepted; must equal their iss claim exactly. Its public key is read from --keys-dir.",
            valueName: "url"))
    var issuer = WorkshopDefaults.issuer

    @OptionGroup var keys: KeyOptions

    @Option(
        name: .customLong("allow-actor"),
        help: ArgumentHelp(
            "Accept only tokens that a client of this id got by token exchange for the user (RFC 8693: act.sub);"
                + " repeat it for several. Without it, a token that carries act is refused.",
            valueName: "client-id"))
    var allowedActors: [String] = []

    @Option(help: ArgumentHelp("The calendar's name, shown in every answer; tells two instances apart.", valueName: "text"))
    var name = "home"

    @Option(name: .customLong("log-level"), help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    public init() {}

    public func validate() throws {
        try server.validate()
        guard PublicURL.normalise(issuer) != nil else {
            throw ValidationError("--issuer must be an absolute http(s) URL, got '\(issuer)'.")
        }
        for actor in allowedActors where actor.isEmpty || actor.contains(where: \.isWhitespace) {
            throw ValidationError("--allow-actor takes a client id without spaces, got '\(actor)'.")
        }
        guard !name.isEmpty else { throw ValidationError("--name must not be empty.") }
    }

    /// The same options in the shape the steps use, for the base URL, logger, binding, banner and port errors.
    public var server: ServerOptions { ServerOptions(host: host, port: port, publicURL: publicURL, logLevel: logLevel) }

    /// What the calendar needs at run time, with the issuer's public key read from `--keys-dir`.
    public func settings() throws(WorkshopKeyPair.FileError) -> CalendarSettings {
        CalendarSettings(
            name: name, baseURL: server.baseURL, issuer: issuer,
            keys: try WorkshopKeyPair.publicKeys(in: keys.files), allowedActors: allowedActors)
    }
}
