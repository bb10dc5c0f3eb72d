import ArgumentParser
import Hummingbird
import WorkshopSupport

/// The command this step runs as: it reads the options, builds the application, and serves until stopped.
@main
struct App: StepCommand {
    static let configuration = CommandConfiguration(
        commandName: ServerIdentity.label,
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
