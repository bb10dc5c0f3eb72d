import ArgumentParser
import Hummingbird
import WorkshopSupport

/// The command this step runs as: it reads the options, builds the application, and serves until stopped.
@main
struct App: StepCommand {
    static let configuration = CommandConfiguration(
        commandName: ServerIdentity.label,
        abstract: "Step 3 — Tools and prompts: tools/list and prompts/list describe what the server offers."
    )

    @OptionGroup var options: ServerOptions
    @OptionGroup var origins: OriginOptions

    func run() async throws {
        let app = buildApplication(options, origins: origins)
        try await app.runService()
    }
}
