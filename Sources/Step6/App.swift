import ArgumentParser
import Hummingbird
import WorkshopSupport

/// Step 6 — Validation: every MCP request needs a valid bearer token.
@main
struct App: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Step6",
        abstract: "Step 6 — Validation: /mcp requires an RS256 access token issued for this server."
    )

    @OptionGroup var options: ServerOptions
    @OptionGroup var origins: OriginOptions
    @OptionGroup var keys: KeyOptions
    @OptionGroup var auth: AuthOptions

    func run() async throws {
        let app = try buildApplication(options, origins: origins, keyFiles: keys.files, auth: auth)
        try await app.runService()
    }
}
