import ArgumentParser
import Foundation

/// The workshop's token desk: keeps the key pair and mints RS256 access tokens (RFC 9068).
@main
struct GenerateToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate_token",
        abstract: "The workshop's token desk: mints RS256 access tokens (RFC 9068) signed with the workshop key.",
        discussion: """
            Minting is the default command. The token alone goes to standard output and a summary of it \
            to standard error, so this keeps just the token:
              TOKEN=$(swift run -q generate_token --username bob --scopes mcp:read)
            With no options the token is accepted by a step started with no options.

            Mint options ('generate_token help mint' explains each):
              --username NAME     --scopes LIST   --roles LIST   --expires-in SECONDS
              --audience URL      --issuer URL    --client-id ID --keys-dir PATH

            'generate_token serve' runs the workshop issuer, an OAuth 2.1 authorization server with the \
            same key ('generate_token help serve').
            """,
        subcommands: [Mint.self, Decode.self, Keys.self, Serve.self],
        defaultSubcommand: Mint.self
    )

    /// Bad input exits with status 2 and a message, never a stack trace.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data("generate_token: \(fullMessage(for: error))\n".utf8))
            Foundation.exit(2)
        }
    }
}

/// Writes a line to standard error, where everything but the token goes.
func note(_ line: String = "") {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
