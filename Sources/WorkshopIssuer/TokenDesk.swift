import Crypto
import CryptoExtras
import Foundation
import WorkshopSupport

/// The issuer's side of the key pair: signs tokens and publishes the public key as a JWK Set.
public struct TokenDesk: Sendable {
    public let files: KeyFiles
    let pair: WorkshopKeyPair
    /// The RFC 7638 thumbprint of the public key, as the steps compute it too.
    public let kid: String
    public let jwks: JSONValue

    /// Loads the pair (creating it on first use), and keeps `keys/jwks.json` in step with it.
    public static func open(_ files: KeyFiles, create: Bool = true) throws -> TokenDesk {
        let pair: WorkshopKeyPair
        if let existing = try WorkshopKeyPair.load(from: files) {
            pair = existing
        } else if create {
            pair = try WorkshopKeyPair.create(in: files)
            FileHandle.standardError.write(Data("Created the workshop key pair in \(files.directory.path)\n".utf8))
        } else {
            throw WorkshopKeyPair.FileError(description: "No key pair in \(files.directory.path) yet: run 'swift run generate_token keys'.")
        }
        return try TokenDesk(files: files, pair: pair)
    }

    /// Replaces the pair with a new one: tokens signed with the old key stop verifying.
    public static func rotate(_ files: KeyFiles) throws -> TokenDesk {
        try TokenDesk(files: files, pair: WorkshopKeyPair.create(in: files, replacing: true))
    }

    init(files: KeyFiles, pair: WorkshopKeyPair) throws {
        self.files = files
        self.pair = pair
        let primitives = try pair.publicKey.getKeyPrimitives()
        let n = Base64URL.encode(primitives.modulus.drop { $0 == 0 })
        let e = Base64URL.encode(primitives.publicExponent.drop { $0 == 0 })
        kid = Base64URL.encode(Data(SHA256.hash(data: Data(#"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#.utf8))))
        jwks = ["keys": [["kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(kid), "n": .string(n), "e": .string(e)]]]
        let published = try? JSONValue(parsing: Data(contentsOf: files.jwks))
        if published != jwks {
            try Data(jwks.jsonText.utf8).write(to: files.jwks, options: .atomic)
        }
    }

    /// A JWS in compact serialization, RS256 (RFC 7515 §7.1, RFC 7518 §3.3), typed `at+jwt` (RFC 9068 §2.1).
    public func sign(_ claims: AccessTokenClaims) throws -> String {
        let header: JSONValue = ["alg": "RS256", "typ": "at+jwt", "kid": .string(kid)]
        let signingInput = Base64URL.encode(header.encoded()) + "." + Base64URL.encode(claims.json.encoded())
        let digest = SHA256.hash(data: Data(signingInput.utf8))
        let signature = try pair.privateKey.signature(for: digest, padding: .insecurePKCS1v1_5)
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// True when the RS256 signature over `signingInput` verifies with this key.
    func verifies(_ signature: Data, over signingInput: some StringProtocol) -> Bool {
        let digest = SHA256.hash(data: Data(signingInput.utf8))
        return pair.publicKey.isValidSignature(.init(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
    }
}
