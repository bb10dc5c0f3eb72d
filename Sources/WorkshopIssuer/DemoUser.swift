/// The people who can sign in: fixed demo users without passwords, for a workshop on one's own machine.
struct DemoUser: Sendable, Hashable {
    let name: String
    let roles: [String]

    static let all = [
        DemoUser(name: "alice", roles: ["user"]),
        DemoUser(name: "bob", roles: ["user"]),
        DemoUser(name: "ada", roles: ["admin"]),
        DemoUser(name: "gus", roles: ["guest"]),
    ]

    static func named(_ name: String) -> DemoUser? {
        all.first { $0.name == name }
    }

    /// What the user's roles allow: a sign-in grants no more (RFC 6749 §3.3 lets the issuer narrow a request).
    var scopes: [String] { Role.scopes(for: roles) }

    /// "alice (user)", as the banner and the sign-in page show it.
    var label: String { "\(name) (\(roles.joined(separator: ", ")))" }
}
