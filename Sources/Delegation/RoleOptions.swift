import ArgumentParser
import WorkshopSupport

/// The role of a person whose token carries no `roles` claim, as the operator chooses it per issuer
/// (RFC 9068 §2.2.3.1: roles are optional, and many issuers send none).
struct RoleOptions: ParsableArguments, Sendable {
    /// The default role unless `--default-role` names another: the least one.
    static let standardRole = "guest"

    @Option(
        name: .customLong("default-role"),
        help: ArgumentHelp(
            "The role of a person whose token has no roles claim: ROLE for every trusted issuer, ISSUER=ROLE for one."
                + " Repeat it for several issuers. Default: guest. Never admin.",
            valueName: "[issuer=]role"))
    var values: [String] = []

    init() {}

    func validate() throws {
        var seen: Set<String> = []
        for (issuer, role) in values.map(Self.split) {
            guard AccessPolicy.roleScopes[role] != nil else {
                let roles = AccessPolicy.roleScopes.keys.sorted().joined(separator: ", ")
                throw ValidationError("--default-role: '\(role)' is not a role of the policy table (\(roles)).")
            }
            // An issuer that sends no roles would make every one of its users an administrator.
            guard role != "admin" else {
                throw ValidationError("--default-role cannot be admin: only a roles claim from the issuer makes anyone an administrator.")
            }
            guard seen.insert(issuer ?? "").inserted else {
                throw ValidationError("--default-role is given twice for \(issuer ?? "every issuer").")
            }
        }
    }

    /// The issuers that have a default role of their own; each must be a trusted `--issuer`.
    var issuers: [String] { values.compactMap { Self.split($0).issuer } }

    /// The role of a person whose token from `issuer` has no `roles` claim: the issuer's own default,
    /// else the one for every issuer, else guest.
    func defaultRole(for issuer: String) -> String {
        let given = values.map(Self.split)
        return given.first { $0.issuer == issuer }?.role ?? given.first { $0.issuer == nil }?.role ?? Self.standardRole
    }

    /// `ISSUER=ROLE`, or a bare `ROLE`. A role never holds `=`; a URL may, so the last one splits.
    static func split(_ value: String) -> (issuer: String?, role: String) {
        guard let equals = value.lastIndex(of: "=") else { return (nil, value) }
        return (String(value[..<equals]), String(value[value.index(after: equals)...]))
    }
}
