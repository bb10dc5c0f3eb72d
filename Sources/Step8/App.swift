import ArgumentParser
import Hummingbird
import WorkshopSupport

/// Step 8 — Scopes and roles: each operation needs the right scopes.
@main
struct App: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Step8",
        abstract: "Step 8 — Scopes and roles: a policy table, 403 insufficient_scope, and lists filtered per caller."
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
