import ArgumentParser
import WorkshopSupport

/// What this server trusts: which issuer, and how strictly the token type is checked.
struct AuthOptions: ParsableArguments, Sendable {
    @Option(help: ArgumentHelp("The issuer whose tokens are accepted; must equal their iss claim exactly.", valueName: "url"))
    var issuer: String = WorkshopDefaults.issuer

    @Flag(
        name: .customLong("accept-jwt-typ"),
        help: "Also accept tokens typed 'JWT', for issuers that do not yet send 'at+jwt' (RFC 9068 §2.1)."
    )
    var acceptJWTType = false

    init() {}

    func validate() throws {
        guard PublicURL.normalise(issuer) != nil else {
            throw ValidationError("--issuer must be an absolute http(s) URL, got '\(issuer)'.")
        }
    }

    /// The options as the command line would give them (the parser sets every option wrapper).
    init(issuer: String, acceptJWTType: Bool = false) throws {
        self = try Self.parse(["--issuer", issuer] + (acceptJWTType ? ["--accept-jwt-typ"] : []))
    }
}
