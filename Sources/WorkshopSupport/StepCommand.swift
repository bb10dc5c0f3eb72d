import ArgumentParser
import NIOCore
import NIOPosix

/// The command every step's `App` is: Argument Parser's `AsyncParsableCommand`, started by a `main` of
/// its own that runs Swift concurrency on NIO's event loops and says plainly why a server could not listen.
public protocol StepCommand: AsyncParsableCommand {
    /// Where the step listens, named in the message when it cannot.
    var options: ServerOptions { get }
}

extension StepCommand {
    /// What `@main` runs: parses the command line and runs the step.
    ///
    /// First, before anything else uses Swift concurrency, NIO's event loops become its executor, so
    /// that a request's jobs resume on the event loop that holds its connection instead of crossing to
    /// Swift's thread pool and back (tutorial chapter 11 measures it and says what it gives up: nothing
    /// may block a thread). Where the runtime offers no hook this does nothing, and Swift's pool serves.
    @MainActor public static func main() async {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let command: any ParsableCommand
        do {
            command = try await asyncParseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                var command = command
                try command.run()
            }
        } catch {
            let options = (command as? Self)?.options
            exit(withError: options.flatMap { ListenFailure(error, options: $0, command: configuration.commandName ?? "") } ?? error)
        }
    }
}
