import ArgumentParser
import Hummingbird
import WorkshopSupport

/// The command this step runs as: it reads the options, builds the application, and serves until stopped.
@main
struct App: StepCommand {
    static let configuration = CommandConfiguration(
        commandName: ServerIdentity.label,
        abstract: "Step 2 — JSON-RPC: POST /mcp speaks MCP 2026-07-28 and 2025-11-25."
    )

    @OptionGroup var options: ServerOptions
    @OptionGroup var origins: OriginOptions

    func run() async throws {
        let app = buildApplication(options, origins: origins)
        try await app.runService()
    }
}
