import Foundation
import WorkshopSupport

/// The one reader of JWTs for the desk and the issuer: a token's parts as sent, to explain it to a
/// person, and whether it is an access token this desk signed (RFC 9068 §4).
public struct AccessTokenReader: Sendable {
    /// A compact JWS split into its parts (RFC 7515 §7.1), not yet trusted.
    public struct Parts: Sendable {
        public let header: JSONValue
        public let claims: JSONValue
        let signingInput: Substring
        /// Nil when the third part is not base64url: such a token can be explained, never verified.
        let signature: Data?
    }

    static let maxLength = 8192
    let desk: TokenDesk

    public init(desk: TokenDesk) {
        self.desk = desk
    }

    /// Three parts, a base64url JSON header and a base64url JSON claim set; nil for anything else.
    public static func parts(of token: String) -> Parts? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Base64URL.decode(parts[0]).flatMap({ try? JSONValue(parsing: $0) }),
            let claims = Base64URL.decode(parts[1]).flatMap({ try? JSONValue(parsing: $0) })
        else { return nil }
        return Parts(
            header: header, claims: claims, signingInput: token[..<parts[2].startIndex].dropLast(), signature: Base64URL.decode(parts[2]))
    }

    /// True when the header names the desk's key and RS256, and the signature verifies with that key.
    public func verifies(_ token: String) -> Bool {
        guard let parts = Self.parts(of: token) else { return false }
        return verifies(parts)
    }

    func verifies(_ parts: Parts) -> Bool {
        guard parts.header["alg"] == "RS256", parts.header["kid"] == .string(desk.kid), let signature = parts.signature else { return false }
        return desk.verifies(signature, over: parts.signingInput)
    }

    /// The claims of an access token `issuer` signed with the desk's key: typed `at+jwt`, with `iss`,
    /// `jti` and `exp`, expired or not; nil for anything else.
    func claims(of token: String, issuer: String) -> [String: JSONValue]? {
        guard token.utf8.count <= Self.maxLength, let parts = Self.parts(of: token), verifies(parts),
            parts.header["typ"] == "at+jwt", let claims = parts.claims.objectValue, claims["iss"] == .string(issuer),
            claims["jti"]?.stringValue != nil, claims["exp"]?.intValue != nil
        else { return nil }
        return claims
    }
}
