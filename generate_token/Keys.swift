import ArgumentParser
import Foundation
import WorkshopIssuer
import WorkshopSupport

/// `generate_token keys [--rotate]`: where the key pair is and its key id; a new pair on request.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the workshop key pair (creating it if missing); --rotate replaces it."
    )

    @Flag(help: "Replace the key pair. Tokens signed with the old key stop verifying.")
    var rotate = false

    @OptionGroup var keys: KeyOptions

    func run() async throws {
        let files = keys.files
        let desk: TokenDesk
        if rotate {
            desk = try TokenDesk.rotate(files)
            note("Replaced the workshop key pair. Tokens signed with the old key no longer verify;")
            note("restart running steps so that they load the new public key.")
        } else {
            desk = try TokenDesk.open(files)
        }
        print("folder:      \(files.directory.path)")
        print("private key: \(files.privateKey.path) (owner only)")
        print("public key:  \(files.publicKey.path)")
        print("JWK Set:     \(files.jwks.path)")
        print("kid:         \(desk.kid)")
    }
}
