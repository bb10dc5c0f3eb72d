import WorkshopSupport

extension TokenExchangeClient {
    /// The issuer's refusal (RFC 8693 §2.2.2, RFC 6749 §5.2) said for the person who called the tool:
    /// what the issuer said, and who can fix it.
    static func refusal(status: UInt, answer: JSONValue?, client: String, resource: String) -> Failure {
        let code = answer?["error"]?.stringValue ?? "HTTP \(status)"
        let said = answer?["error_description"]?.stringValue.map { ": \(String($0.prefix(300)))" } ?? ""
        let issuerSaid = "(\(code)\(said))"
        let message: String
        switch code {
        case "invalid_client":
            message = "The issuer refused this server's client credentials for token exchange \(issuerSaid)."
                + " The server's operator should check --exchange-client-id and its secret."
        case "unauthorized_client":
            message = "The issuer does not allow this server (client \(client)) to exchange tokens \(issuerSaid)."
                + " The server's operator should allow it at the issuer (the workshop issuer: \"token_exchange\" in its --clients-file)."
        case "invalid_request":
            message = "The issuer would not exchange your access token \(issuerSaid). Sign in again to get a fresh one."
        case "invalid_target":
            message = "The issuer does not let this server get tokens for \(resource) \(issuerSaid)."
                + " The server's operator should check --calendar-url and the client's token_exchange targets."
        case "invalid_scope":
            message = "The issuer would not grant the calendar's scope for you \(issuerSaid): your sign-in's scopes or role do not allow it."
        default:
            message = "The issuer refused the token exchange \(issuerSaid)."
        }
        return Failure(message, log: "the issuer answered \(status) \(code)\(said)")
    }
}
