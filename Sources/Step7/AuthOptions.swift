import ArgumentParser
import WorkshopSupport

/// What this server trusts: which issuers, how strictly the token type is checked, and whether the
/// issuer is asked about each token.
struct AuthOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("issuer"),
        help: ArgumentHelp(
            "An issuer whose tokens are accepted; must equal their iss claim exactly. Repeat it to trust several."
                + " Its keys are found through its RFC 8414 or OpenID Connect metadata.",
            valueName: "url"))
    var issuers: [String] = [WorkshopDefaults.issuer]

    @Flag(
        name: .customLong("accept-jwt-typ"),
        help: "Also accept tokens typed 'JWT', for issuers that do not yet send 'at+jwt' (RFC 9068 §2.1)."
    )
    var acceptJWTType = false

    @OptionGroup(title: "Token introspection (RFC 7662), off by default") var introspection: IntrospectionOptions

    init() {}

    func validate() throws {
        for issuer in issuers where PublicURL.normalise(issuer) == nil {
            throw ValidationError("--issuer must be an absolute http(s) URL, got '\(issuer)'.")
        }
    }

    /// The options as the command line would give them (the parser sets every option wrapper).
    init(issuers: [String], acceptJWTType: Bool = false) throws {
        self = try Self.parse(issuers.flatMap { ["--issuer", $0] } + (acceptJWTType ? ["--accept-jwt-typ"] : []))
    }

    init(issuer: String, acceptJWTType: Bool = false) throws {
        try self.init(issuers: [issuer], acceptJWTType: acceptJWTType)
    }
}
