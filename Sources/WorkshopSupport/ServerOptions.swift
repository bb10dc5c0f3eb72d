import ArgumentParser
import Foundation
import Logging

/// The command-line options every step accepts, with defaults that make `swift run StepN` just work.
public struct ServerOptions: ParsableArguments, Sendable {
    @Option(help: "Interface to bind. Local MCP servers should stay on 127.0.0.1 (MCP transports, security warning).")
    public var host: String = "127.0.0.1"

    @Option(help: "TCP port to listen on (1-65535).")
    public var port: Int = 9000

    @Option(
        name: .customLong("public-url"),
        help: ArgumentHelp(
            "Base URL clients use to reach this server, e.g. https://mcp.example.com.",
            discussion: "Defaults to http://<host>:<port>. Identifiers clients compare are derived from it.",
            valueName: "url"
        )
    )
    public var publicURL: String?

    @Option(name: .customLong("log-level"), help: "Log level: trace, debug, info, notice, warning, error or critical.")
    public var logLevel: Logger.Level = .info

    public init() {}

    /// Options for tests and tools that build a server without parsing a command line.
    public init(host: String = "127.0.0.1", port: Int = 9000, publicURL: String? = nil, logLevel: Logger.Level = .info) {
        self.host = host
        self.port = port
        self.publicURL = publicURL
        self.logLevel = logLevel
    }

    public func validate() throws {
        guard (1...65535).contains(port) else {
            throw ValidationError("--port must be between 1 and 65535, got \(port).")
        }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty.") }
        if let publicURL, PublicURL.normalise(publicURL).flatMap(URLComponents.init(string:))?.path.isEmpty != true {
            // Paths would move the well-known URLs clients derive from it (RFC 8414 §3, RFC 9728 §3).
            throw ValidationError(
                "--public-url must be an absolute http(s) URL with a host and no path, query or fragment, got '\(publicURL)'."
            )
        }
    }

    /// The base URL clients use, normalised: lowercase scheme and host, no trailing slash.
    public var baseURL: String {
        if let publicURL, let normalised = PublicURL.normalise(publicURL) { return normalised }
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(hostPart.lowercased()):\(port)"
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
