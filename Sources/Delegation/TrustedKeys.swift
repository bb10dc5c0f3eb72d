import CryptoExtras
import Foundation
import Hummingbird
import Logging
import WorkshopSupport

/// The public keys this server trusts, by key id, and their JWK Set (RFC 7517 §5).
struct TrustedKeys: Sendable {
    let keys: [String: _RSA.Signing.PublicKey]
    let jwks: [JSONWebKey]

    init(_ publicKeys: [_RSA.Signing.PublicKey]) throws {
        jwks = try publicKeys.map(JSONWebKey.init)
        keys = Dictionary(zip(jwks.map(\.kid), publicKeys), uniquingKeysWith: { first, _ in first })
    }

    /// Loads the public key the token desk published in `keys/`; making keys is the desk's job, and
    /// without one the step does not start.
    static func load(from files: KeyFiles, logger: Logger) throws -> TrustedKeys {
        let trusted = try TrustedKeys(WorkshopKeyPair.publicKeys(in: files))
        logger.info("Loaded the workshop public key", metadata: ["kid": "\(trusted.jwks.map(\.kid).joined(separator: ","))"])
        return trusted
    }

    /// `GET /.well-known/jwks.json`: public keys only, cacheable for a few minutes.
    func jwksResponse() -> Response {
        let body: JSONValue = ["keys": .array(jwks.map(\.json))]
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.encoded()))
        )
    }
}
