import ArgumentParser
import Foundation
import WorkshopSupport

/// `--allow-origin`: web origins whose pages may call `/mcp` from a browser, besides the local ones
/// and the public URL's (MCP basic/transports, `Origin`).
struct OriginOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("allow-origin"),
        help: ArgumentHelp(
            "Also let web pages from this origin call /mcp, e.g. https://inspector.example (repeatable).",
            discussion: "Pages on localhost, 127.0.0.1 or [::1], and on the public URL's origin, always may.",
            valueName: "origin"
        )
    )
    var allowOrigin: [String] = []

    init() {}

    /// Options for tests and tools that build a server without parsing a command line.
    init(allowOrigin: [String]) {
        self.allowOrigin = allowOrigin
    }

    func validate() throws {
        for value in allowOrigin where Self.origin(of: value) == nil {
            throw ValidationError(
                "--allow-origin must be an origin, scheme://host[:port] without a path, such as https://inspector.example; got '\(value)'."
            )
        }
    }

    /// The origins as browsers write them in the `Origin` header.
    var allowed: [String] { allowOrigin.compactMap(Self.origin(of:)) }

    private static func origin(of value: String) -> String? {
        guard let url = PublicURL.normalise(value), URLComponents(string: url)?.path.isEmpty == true else { return nil }
        return PublicURL.origin(of: url)
    }
}
