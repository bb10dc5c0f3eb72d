import ArgumentParser
import WorkshopSupport

/// What this server trusts: which issuers, how strictly the token type is checked, and which role
/// a person has when an issuer sends no roles.
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

    @OptionGroup var roles: RoleOptions

    init() {}

    func validate() throws {
        for issuer in issuers where PublicURL.normalise(issuer) == nil {
            throw ValidationError("--issuer must be an absolute http(s) URL, got '\(issuer)'.")
        }
        for issuer in roles.issuers where !issuers.contains(issuer) {
            throw ValidationError("--default-role names '\(issuer)', which is not a trusted --issuer.")
        }
    }

    /// The options as the command line would give them (the parser sets every option wrapper).
    init(issuers: [String], acceptJWTType: Bool = false, defaultRoles: [String] = []) throws {
        self = try Self.parse(
            issuers.flatMap { ["--issuer", $0] } + (acceptJWTType ? ["--accept-jwt-typ"] : [])
                + defaultRoles.flatMap { ["--default-role", $0] })
    }

    init(issuer: String, acceptJWTType: Bool = false, defaultRoles: [String] = []) throws {
        try self.init(issuers: [issuer], acceptJWTType: acceptJWTType, defaultRoles: defaultRoles)
    }
}
