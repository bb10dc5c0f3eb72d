import ArgumentParser
import Hummingbird
import WorkshopSupport

/// Step 4 — Dispatch: tools run and prompts render.
@main
struct App: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Step4",
        abstract: "Step 4 — Dispatch: tools/call runs tools, prompts/get renders prompts."
    )

    @OptionGroup var options: ServerOptions
    @OptionGroup var origins: OriginOptions

    func run() async throws {
        let app = buildApplication(options, origins: origins)
        try await app.runService()
    }
}
