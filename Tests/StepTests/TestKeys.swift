import Crypto
import CryptoExtras
import Foundation
import WorkshopSupport

/// A workshop key pair in a temporary folder, made once per test run, so no test touches `keys/`.
enum TestKeys {
    static let files: KeyFiles = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("workshop-test-keys-\(UUID().uuidString)")
        let files = KeyFiles(directory: folder)
        _ = try! WorkshopKeyPair.create(in: files)
        return files
    }()

    static let pair: WorkshopKeyPair = try! WorkshopKeyPair.load(from: files)!

    /// The RFC 7638 thumbprint of the pair's public key, computed here independently of the steps.
    static let kid: String = thumbprint(pair.publicKey)

    /// Another RSA key, for tokens the server must not trust.
    static let attacker = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static func thumbprint(_ key: _RSA.Signing.PublicKey) -> String {
        let primitives = try! key.getKeyPrimitives()
        let n = Base64URL.encode(primitives.modulus.drop { $0 == 0 })
        let e = Base64URL.encode(primitives.publicExponent.drop { $0 == 0 })
        return Base64URL.encode(Data(SHA256.hash(data: Data(#"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#.utf8))))
    }

    /// A fresh, empty folder for tests that create keys themselves.
    static func emptyFolder() -> KeyFiles {
        KeyFiles(directory: FileManager.default.temporaryDirectory.appendingPathComponent("workshop-keys-\(UUID().uuidString)"))
    }

    /// A folder as an operator gives it to a resource server: the pair's public key only, as `public.pem`.
    static func publicPEMOnly() throws -> KeyFiles {
        try folder(with: [("public.pem", pair.publicKey.pemRepresentation)])
    }

    /// A folder holding the pair's public key only as the JWK Set the token desk publishes.
    static func jwksOnly() throws -> KeyFiles {
        let primitives = try pair.publicKey.getKeyPrimitives()
        let jwk: JSONValue = [
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(kid),
            "n": .string(Base64URL.encode(primitives.modulus.drop { $0 == 0 })),
            "e": .string(Base64URL.encode(primitives.publicExponent.drop { $0 == 0 })),
        ]
        return try folder(with: [("jwks.json", JSONValue.object(["keys": [jwk]]).jsonText)])
    }

    /// A fresh folder holding exactly these files.
    static func folder(with files: [(name: String, text: String)]) throws -> KeyFiles {
        let folder = emptyFolder()
        try FileManager.default.createDirectory(at: folder.directory, withIntermediateDirectories: true)
        for file in files {
            try Data(file.text.utf8).write(to: folder.directory.appendingPathComponent(file.name))
        }
        return folder
    }

    /// The names of the files in a folder; none when it does not exist.
    static func contents(of files: KeyFiles) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: files.directory.path)) ?? [])
    }
}
