import ArgumentParser
import Hummingbird
import WorkshopSupport

/// The command this step runs as: it reads the options, builds the application, and serves until stopped.
@main
struct App: StepCommand {
    static let configuration = CommandConfiguration(
        commandName: ServerIdentity.label,
        abstract: "Step 1 — Health: a Hummingbird server that says it is alive."
    )

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let app = buildApplication(options)
        try await app.runService()
    }
}
