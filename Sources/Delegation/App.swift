import ArgumentParser
import Hummingbird
import WorkshopSupport

/// The command this step runs as: it reads the options, builds the application, and serves until stopped.
@main
struct App: StepCommand {
    static let configuration = CommandConfiguration(
        commandName: ServerIdentity.label,
        abstract: "Step 9 + delegation — Calls other APIs for the user: token exchange, and account linking by URL elicitation."
    )

    @OptionGroup var options: ServerOptions
    @OptionGroup var origins: OriginOptions
    @OptionGroup var keys: KeyOptions
    @OptionGroup var auth: AuthOptions
    @OptionGroup var data: DataOptions
    @OptionGroup(title: "Token exchange for calendar_events (RFC 8693), off by default") var exchange: ExchangeOptions
    @OptionGroup(title: "Account linking with a partner service (URL elicitation), off by default") var partner: PartnerOptions

    func run() async throws {
        let app = try await buildApplication(
            options, origins: origins, keyFiles: keys.files, auth: auth, data: data, exchange: exchange, partner: partner)
        try await app.runService()
    }
}
