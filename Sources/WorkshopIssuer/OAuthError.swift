import Hummingbird
import WorkshopSupport

/// An OAuth error: a standard code and a short description for the client (RFC 6749 §4.1.2.1 and §5.2,
/// RFC 7591 §3.2.2, RFC 8707 §2), said vaguely; the log gets the details from the caller.
struct OAuthError: Error, Sendable, Equatable {
    let code: String
    let description: String
    var status: HTTPResponse.Status = .badRequest
    /// Client authentication failed: 401 with a Basic challenge (RFC 6749 §5.2).
    var challenge = false
    /// Refused for load: seconds after which the same request may succeed (`Retry-After`, RFC 9110 §10.2.3).
    var retryAfter: Int?
    /// What the log says beyond the description, and the client is not told (an address, a status, an error).
    var detail: String?

    init(_ code: String, _ description: String, status: HTTPResponse.Status = .badRequest) {
        self.code = code
        self.description = description
        self.status = status
    }

    static let invalidRequest = "invalid_request"
    static let invalidClient = "invalid_client"
    static let invalidGrant = "invalid_grant"
    static let unauthorizedClient = "unauthorized_client"
    static let unsupportedGrantType = "unsupported_grant_type"
    static let unsupportedResponseType = "unsupported_response_type"
    static let invalidScope = "invalid_scope"
    static let invalidTarget = "invalid_target"
    static let accessDenied = "access_denied"
    static let temporarilyUnavailable = "temporarily_unavailable"
    static let invalidRedirectURI = "invalid_redirect_uri"
    static let invalidClientMetadata = "invalid_client_metadata"

    /// invalid_client: 401 with `WWW-Authenticate: Basic`, whichever way the client tried to authenticate.
    static func clientAuthentication(_ description: String, detail: String? = nil) -> OAuthError {
        var error = OAuthError(invalidClient, description, status: .unauthorized)
        error.challenge = true
        error.detail = detail
        return error
    }

    /// One client holds all it may: 429 (RFC 6585 §4), and only that client waits.
    static func clientLimit(_ description: String, retryAfter: Int) -> OAuthError {
        var error = OAuthError(temporarilyUnavailable, description, status: .tooManyRequests)
        error.retryAfter = retryAfter
        return error
    }

    /// The issuer as a whole is full: 503, rather than let a flood exhaust memory.
    static func full(_ what: String, retryAfter: Int) -> OAuthError {
        var error = OAuthError(temporarilyUnavailable, "The issuer holds too many \(what) right now; try again later.", status: .serviceUnavailable)
        error.retryAfter = retryAfter
        return error
    }

    /// RFC 6749 §5.2 allows only %x20-21 / %x23-5B / %x5D-7E in error_description.
    var safeDescription: String {
        String(description.unicodeScalars.map { scalar in
            let allowed = (0x20...0x7E).contains(scalar.value) && scalar != "\"" && scalar != "\\"
            return allowed ? Character(scalar) : "?"
        })
    }

    var body: JSONValue { ["error": .string(code), "error_description": .string(safeDescription)] }

    /// The reason as the log writes it: the description, and the detail when there is one.
    var logReason: String { detail.map { "\(safeDescription) (\($0))" } ?? safeDescription }

    /// The same error with `detail` for the log.
    func detailed(_ detail: String) -> OAuthError {
        var error = self
        error.detail = detail
        return error
    }
}
