/// The roles a workshop user may have (the `roles` claim): the names the desk and the issuer know.
public enum Role: String, CaseIterable, Sendable {
    case admin, user, guest
}
