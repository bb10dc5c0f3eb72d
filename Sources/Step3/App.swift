import ArgumentParser
import Hummingbird
import WorkshopSupport

/// Step 3 — Tools and prompts: the server says what it offers.
@main
struct App: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Step3",
        abstract: "Step 3 — Tools and prompts: tools/list and prompts/list describe what the server offers."
    )

    @OptionGroup var options: ServerOptions
    @OptionGroup var origins: OriginOptions

    func run() async throws {
        let app = buildApplication(options, origins: origins)
        try await app.runService()
    }
}
