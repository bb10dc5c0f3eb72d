import ArgumentParser
import CalendarService

/// The command line in front of `CalendarService`.
@main
struct CalendarAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "CalendarAPI", abstract: "A small calendar API that trusts an OAuth issuer (chapter 12).")

    func run() async throws {}
}
