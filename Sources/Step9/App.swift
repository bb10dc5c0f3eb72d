import ArgumentParser
import Hummingbird
import WorkshopSupport

/// Step 9 — User-aware tools: tools act for the verified caller.
@main
struct App: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Step9",
        abstract: "Step 9 — User-aware tools: whoami and private notes, for the caller the token names."
    )

    @OptionGroup var options: ServerOptions
    @OptionGroup var origins: OriginOptions
    @OptionGroup var keys: KeyOptions
    @OptionGroup var auth: AuthOptions
    @OptionGroup var data: DataOptions

    func run() async throws {
        let app = try await buildApplication(options, origins: origins, keyFiles: keys.files, auth: auth, data: data)
        try await app.runService()
    }
}
