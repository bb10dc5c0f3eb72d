import ArgumentParser
import Hummingbird
import WorkshopSupport

/// Step 2 — JSON-RPC: an MCP endpoint that speaks both protocol eras.
@main
struct App: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Step2",
        abstract: "Step 2 — JSON-RPC: POST /mcp speaks MCP 2026-07-28 and 2025-11-25."
    )

    @OptionGroup var options: ServerOptions
    @OptionGroup var origins: OriginOptions

    func run() async throws {
        let app = buildApplication(options, origins: origins)
        try await app.runService()
    }
}
