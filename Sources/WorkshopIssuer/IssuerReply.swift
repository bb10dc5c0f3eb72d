import Foundation
import HTTPTypes
import Hummingbird
import WorkshopSupport

/// The issuer's responses: JSON that is never cached (RFC 6749 §5.1), OAuth errors, HTML pages and redirects.
enum IssuerReply {
    /// Compact JSON with `Cache-Control: no-store`: these documents carry tokens, secrets or token state.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, cache: String = "no-store") -> Response {
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: cache, .xContentTypeOptions: "nosniff"]
        if cache == "no-store" { headers[.pragma] = "no-cache" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: value.encoded())))
    }

    /// An error as JSON; a failed client authentication also gets a Basic challenge (RFC 6749 §5.2).
    static func error(_ error: OAuthError) -> Response {
        var response = json(error.body, status: error.status)
        if error.challenge { response.headers[.wwwAuthenticate] = #"Basic realm="workshop-issuer""# }
        if let seconds = error.retryAfter { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    /// An HTML page that no other site may frame, that loads nothing, and that is never cached.
    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        // same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with the page's
        // own form post (Fetch, "append a request Origin header"), and SignInGuard refuses that post.
        let headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            .xFrameOptions: "DENY", .referrerPolicy: "same-origin", .xContentTypeOptions: "nosniff",
        ]
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// 302 to `location`: the authorization response goes back to the client (RFC 6749 §4.1.2).
    static func redirect(to location: String) -> Response {
        Response(status: .found, headers: [.location: location, .cacheControl: "no-store", .referrerPolicy: "no-referrer"])
    }
}

extension HTTPField.Name {
    static let pragma = Self("Pragma")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}
