import Crypto
import Foundation
import WorkshopSupport

/// Binds each post of the sign-in form to a page the issuer rendered (RFC 6749 §10.12, RFC 9700 §4.7):
/// an HMAC-SHA256 over the authorization request's parameters and the moment the page was shown,
/// under a key that lives only in this process. Another site cannot read the page, so it cannot post
/// a form that carries the token, and no server state is needed to check it.
struct FormToken: Sendable {
    static let name = "csrf_token"
    private let key = SymmetricKey(size: .bits256)
    /// How long a page may stay open before its form is refused, in seconds.
    let lifetime: Int

    init(lifetime: Int) {
        self.lifetime = lifetime
    }

    /// `<time shown>.<MAC>`, for the page's forms.
    func make(for parameters: [(name: String, value: String)], at time: Int) -> String {
        "\(time).\(mac(parameters, time))"
    }

    /// True when `token` was made for exactly these parameters within the last `lifetime` seconds.
    func verifies(_ token: String?, for parameters: [(name: String, value: String)], now: Int) -> Bool {
        guard let parts = token?.split(separator: ".", maxSplits: 1), parts.count == 2, let time = Int(parts[0]),
            time <= now, now - time < lifetime
        else { return false }
        return Secret.constantTimeEquals(Data(mac(parameters, time).utf8), Data(parts[1].utf8))
    }

    private func mac(_ parameters: [(name: String, value: String)], _ time: Int) -> String {
        let message = "\(time)\n" + FormParameters.encode(parameters.map { ($0.name, $0.value) })
        return Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key)))
    }
}
