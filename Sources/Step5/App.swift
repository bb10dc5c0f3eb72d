import ArgumentParser
import Hummingbird
import WorkshopSupport

/// Step 5 — JWKS: the server publishes the public key that verifies its tokens.
@main
struct App: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Step5",
        abstract: "Step 5 — JWKS: the workshop public key at /.well-known/jwks.json."
    )

    @OptionGroup var options: ServerOptions
    @OptionGroup var origins: OriginOptions
    @OptionGroup var keys: KeyOptions

    func run() async throws {
        let app = try buildApplication(options, origins: origins, keyFiles: keys.files)
        try await app.runService()
    }
}
