import HTTPTypes
import Hummingbird

/// The pages of account linking: what happened, and what to do next. Plain HTML that echoes nothing the
/// request carried, may not be framed, and is never cached.
enum LinkPage {
    static var linked: Response {
        page(
            .ok, "Account linked",
            "Your partner calendar account is now linked to this MCP server. Go back to your MCP client: call the tool again"
                + " (your client may do it for you). To remove the link, use the tool partner_unlink.")
    }

    static var anotherUser: Response {
        page(
            .forbidden, "This link was requested by another user",
            "You signed in as someone other than the person whose MCP client asked for this link, so nothing was linked."
                + " If you did not ask for it yourself, someone may have sent you their link: ignore it."
                + " To link your own account, call the tool from your own MCP client and open the page it gives you.")
    }

    static var notConfigured: Response {
        page(.serviceUnavailable, "Account linking is not configured", AccountLinking.notConfigured)
    }

    static func refused(_ refusal: PendingLinks.Refusal) -> Response {
        switch refusal {
        case .unknown:
            page(
                .badRequest, "This link is not valid",
                "This page was opened with a link that is unknown or was already used: each link works once."
                    + " Call the tool again from your MCP client to get a new one.")
        case .expired:
            page(.badRequest, "This link has expired", "Links work for ten minutes. Call the tool again from your MCP client to get a new one.")
        case .otherBrowser:
            page(
                .forbidden, "This link was started in another browser",
                "The sign-in must end in the browser where it started, so nothing was linked. Open the link your MCP client"
                    + " gave you in this browser, or call the tool again.")
        }
    }

    static func declined(at place: String, error: String) -> Response {
        let reason = error == "access_denied" ? "You (or the server) declined." : "The server answered with an error."
        return page(.ok, "Nothing was linked", "The sign-in at \(place) did not complete. \(reason) Call the tool again to try once more.")
    }

    static func unreachable(_ place: String) -> Response {
        page(.badGateway, "Nothing was linked", "\(place.prefix(1).uppercased() + place.dropFirst()) could not complete the sign-in. Try again in a moment: call the tool again from your MCP client.")
    }

    static func redirect(to url: String, cookie: String? = nil) -> Response {
        var response = Response(status: .found, headers: [.location: url, .cacheControl: "no-store", .referrerPolicy: "no-referrer"])
        if let cookie { response.headers[.setCookie] = cookie }
        return response
    }

    /// Only fixed text goes in: nothing from the request is echoed, so nothing needs escaping.
    static func page(_ status: HTTPResponse.Status, _ title: String, _ text: String) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(title)</title></head>
            <body><h1>\(title)</h1><p>\(text)</p></body></html>
            """
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .referrerPolicy: "no-referrer",
                .contentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'", .xFrameOptions: "DENY",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }
}

extension HTTPField.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
}
