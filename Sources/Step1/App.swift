import ArgumentParser
import Hummingbird
import WorkshopSupport

/// Step 1 — Health: an HTTP server that answers `GET /health`.
@main
struct App: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Step1",
        abstract: "Step 1 — Health: a Hummingbird server that says it is alive."
    )

    @OptionGroup var options: ServerOptions

    func run() async throws {
        let app = buildApplication(options)
        try await app.runService()
    }
}
