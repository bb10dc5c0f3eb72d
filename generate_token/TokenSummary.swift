import Foundation
import WorkshopSupport

/// Who a token is for, for what, for whom, and until when, in a few lines for a person.
struct TokenSummary {
    let claims: JSONValue

    func text(now: Int) -> String {
        var lines = [
            "  subject:   \(claims["sub"]?.stringValue ?? "-")",
            "  scopes:    \(claims["scope"]?.stringValue ?? "-")",
            "  roles:     \(claims["roles"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? "-")",
            "  audience:  \(claims["aud"].map { $0.stringValue ?? $0.jsonText } ?? "-")",
            "  issuer:    \(claims["iss"]?.stringValue ?? "-")",
        ]
        if let exp = claims["exp"]?.intValue {
            let when = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(exp)))
            let relative = exp > now ? "in \(Self.duration(exp - now))" : "\(Self.duration(now - exp)) ago"
            lines.append("  expires:   \(when) (\(exp > now ? "" : "expired ")\(relative))")
        } else {
            lines.append("  expires:   never (no exp claim: the steps refuse such a token)")
        }
        return lines.joined(separator: "\n")
    }

    static func duration(_ seconds: Int) -> String {
        switch abs(seconds) {
        case ..<120: "\(abs(seconds)) seconds"
        case ..<7200: "\(abs(seconds) / 60) minutes"
        default: "\(abs(seconds) / 3600) hours"
        }
    }
}
