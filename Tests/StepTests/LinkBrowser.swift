import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// A browser, as far as account linking needs one: it follows redirects itself, keeps cookies per origin
/// and path, and signs in on the workshop issuer's page by pressing a user's button.
final class LinkBrowser: Sendable {
    struct Page: Sendable {
        let url: String
        let status: UInt
        let headers: HTTPHeaders
        let text: String
        var location: String? { headers.first(name: "Location") }
        var isSignInPage: Bool { status == 200 && text.contains(#"name="csrf_token""#) }
    }

    /// One client for every browser, never shut down (as `HTTPClient.shared`): each browser's state is its cookies.
    private static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    /// Cookies by origin: name → (value, path).
    private let jar = Mutex<[String: [String: (value: String, path: String)]]>([:])

    func cookie(_ name: String, at url: String) -> String? {
        jar.withLock { $0[Self.origin(url)]?[name]?.value }
    }

    func get(_ url: String) async throws -> Page { try await send(url, method: .GET, form: nil) }

    /// Opens `url` and follows where it leads, signing in as the next of `users` on each sign-in page, until a
    /// page that is neither a redirect nor a sign-in page, or a redirect to a path in `stopBefore` (returned unfollowed).
    func open(_ url: String, signingInAs users: [String], stopBefore: String? = nil) async throws -> Page {
        var users = users[...]
        var page = try await get(url)
        for _ in 0..<20 {
            if let location = page.location, (300..<400).contains(page.status) {
                let next = URL(string: location, relativeTo: URL(string: page.url))!.absoluteString
                if let stopBefore, URLComponents(string: next)?.path == stopBefore { return page }
                page = try await get(next)
            } else if page.isSignInPage, let user = users.popFirst() {
                page = try await signIn(on: page, as: user)
            } else {
                return page
            }
        }
        return page
    }

    /// Presses "Sign in as `user` and approve": the first form's hidden fields, plus the user's button.
    func signIn(on page: Page, as user: String) async throws -> Page {
        guard let start = page.text.range(of: "<form"), let end = page.text[start.upperBound...].range(of: "</form>") else {
            return page
        }
        let form = page.text[start.lowerBound..<end.upperBound]
        let pattern = #/<input type="hidden" name="([^"]*)" value="([^"]*)">/#
        var fields = form.matches(of: pattern).map { (Self.unescape(String($0.1)), Self.unescape(String($0.2))) }
        fields.append(("username", user))
        let action = URL(string: "/authorize", relativeTo: URL(string: page.url))!.absoluteString
        return try await send(action, method: .POST, form: fields)
    }

    private func send(_ url: String, method: HTTPMethod, form: [(String, String)]?) async throws -> Page {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "text/html")
        let path = URLComponents(string: url)?.path ?? "/"
        let cookies = jar.withLock { $0[Self.origin(url)] ?? [:] }.filter { path.hasPrefix($0.value.path) }
        if !cookies.isEmpty {
            request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value.value)" }.sorted().joined(separator: "; "))
        }
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "Origin", value: Self.origin(url))
            request.body = .bytes(ByteBuffer(string: OnlineIssuer.form(form)))
        }
        let response = try await Self.client.execute(request, timeout: .seconds(10))
        for header in response.headers[canonicalForm: "Set-Cookie"] { remember(String(header), from: url) }
        let body = try await response.body.collect(upTo: 1 << 20)
        return Page(url: url, status: response.status.code, headers: response.headers, text: String(buffer: body))
    }

    private func remember(_ header: String, from url: String) {
        let parts = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let pair = parts.first, let equals = pair.firstIndex(of: "=") else { return }
        let path = parts.dropFirst().first { $0.lowercased().hasPrefix("path=") }.map { String($0.dropFirst(5)) } ?? "/"
        jar.withLock { $0[Self.origin(url), default: [:]][String(pair[..<equals])] = (String(pair[pair.index(after: equals)...]), path) }
    }

    static func origin(_ url: String) -> String {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme, let host = parts.host else { return url }
        return "\(scheme)://\(host)" + (parts.port.map { ":\($0)" } ?? "")
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
