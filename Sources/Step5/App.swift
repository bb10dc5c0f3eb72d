import ArgumentParser
import Hummingbird
import WorkshopSupport

/// The command this step runs as: it reads the options, builds the application, and serves until stopped.
@main
struct App: StepCommand {
    static let configuration = CommandConfiguration(
        commandName: ServerIdentity.label,
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
