import CryptoExtras
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import WorkshopSupport

/// An issuer's discovery documents served over real HTTP on a loopback port: RFC 8414 (or OpenID
/// Connect) metadata at one well-known URL and a JWK Set, for keys each test chooses. It answers
/// nothing else; the workshop's own authorization server is tested on its own.
final class TestIssuer: Sendable {
    /// Where the metadata is served (MCP authorization, "Authorization Server Metadata Discovery").
    enum WellKnown: Sendable {
        case oauthInserted, openIDInserted, openIDAppended
    }

    /// Its own signing key, which no step holds in `keys/`.
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static var kid: String { TestKeys.thumbprint(key.publicKey) }

    struct State {
        var port = 0
        var keys: [_RSA.Signing.PublicKey] = [TestIssuer.key.publicKey]
        /// When set, the metadata claims to be this issuer instead of its own URL.
        var claimedIssuer: String?
        var jwksRequests = 0
    }

    let path: String
    let wellKnown: WellKnown
    let state = Mutex(State())

    init(path: String, wellKnown: WellKnown) {
        self.path = path
        self.wellKnown = wellKnown
    }

    var url: String { "http://127.0.0.1:\(state.withLock(\.port))\(path)" }
    var jwksRequests: Int { state.withLock(\.jwksRequests) }

    /// Starts an issuer, runs `body` with it, and stops it.
    static func run<Value: Sendable>(
        path: String = "", wellKnown: WellKnown = .oauthInserted, _ body: @Sendable (TestIssuer) async throws -> Value
    ) async throws -> Value {
        let issuer = TestIssuer(path: path, wellKnown: wellKnown)
        let router = Router()
        router.get("**") { request, _ in issuer.answer(request.uri.path) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            issuer.state.withLock { $0.port = client.port! }
            return try await body(issuer)
        }
    }

    /// A token this issuer would mint for the default step, signed with `signer` (its own key unless told).
    func token(signer: _RSA.Signing.PrivateKey = TestIssuer.key, change: (inout [String: JSONValue]) -> Void = { _ in }) -> String {
        var claims = TokenForge.validClaims()
        claims["iss"] = .string(url)
        change(&claims)
        return TokenForge.token(
            header: ["alg": "RS256", "typ": "at+jwt", "kid": .string(TestKeys.thumbprint(signer.publicKey))], claims: claims,
            signer: .rs256(signer))
    }

    func answer(_ requestPath: String) -> Response {
        let origin = "http://127.0.0.1:\(state.withLock(\.port))"
        let metadataPath: String
        switch wellKnown {
        case .oauthInserted: metadataPath = "/.well-known/oauth-authorization-server\(path)"
        case .openIDInserted: metadataPath = "/.well-known/openid-configuration\(path)"
        case .openIDAppended: metadataPath = "\(path)/.well-known/openid-configuration"
        }
        let document: JSONValue
        switch requestPath {
        case metadataPath:
            document = [
                "issuer": .string(state.withLock(\.claimedIssuer) ?? url), "jwks_uri": .string("\(origin)/jwks.json"),
                "response_types_supported": ["code"], "code_challenge_methods_supported": ["S256"],
            ]
        case "/jwks.json":
            let keys = state.withLock { state in
                state.jwksRequests += 1
                return state.keys
            }
            document = ["keys": .array(keys.map { key in
                let primitives = try! key.getKeyPrimitives()
                return [
                    "kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(TestKeys.thumbprint(key)),
                    "n": .string(Base64URL.encode(primitives.modulus.drop { $0 == 0 })),
                    "e": .string(Base64URL.encode(primitives.publicExponent.drop { $0 == 0 })),
                ]
            })]
        default:
            return Response(status: .notFound)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: document.encoded())))
    }
}
