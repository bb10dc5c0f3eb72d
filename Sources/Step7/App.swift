import ArgumentParser
import Hummingbird
import WorkshopSupport

/// Step 7 — OAuth metadata: clients discover where to get a token.
@main
struct App: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Step7",
        abstract: "Step 7 — OAuth metadata: RFC 9728 protected resource metadata, and challenges that point to it."
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
