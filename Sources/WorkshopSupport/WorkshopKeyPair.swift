import Crypto
import CryptoExtras
import Foundation

/// The workshop's RSA signing key pair, kept as PEM files in `KeyFiles`.
public struct WorkshopKeyPair: Sendable {
    public let privateKey: _RSA.Signing.PrivateKey
    public var publicKey: _RSA.Signing.PublicKey { privateKey.publicKey }

    public init(privateKey: _RSA.Signing.PrivateKey) {
        self.privateKey = privateKey
    }

    /// Why the key files could not be used, said so that a person can fix it.
    public struct FileError: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// Reads the pair; nil when no private key file exists yet.
    public static func load(from files: KeyFiles) throws(FileError) -> WorkshopKeyPair? {
        let path = files.privateKey.path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw FileError(description: "Cannot read \(path): check its permissions.")
        }
        guard let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem), key.keySizeInBits >= 2048 else {
            throw FileError(
                description: "\(path) is not an RSA private key of 2048 bits or more. "
                    + "Move it away, or create a new pair with: swift run generate_token keys --rotate"
            )
        }
        return WorkshopKeyPair(privateKey: key)
    }

    /// Creates a new 2048-bit pair and writes it; refuses to replace existing files unless told to.
    public static func create(in files: KeyFiles, replacing: Bool = false) throws(FileError) -> WorkshopKeyPair {
        let manager = FileManager.default
        if !replacing, manager.fileExists(atPath: files.privateKey.path) {
            throw FileError(description: "\(files.privateKey.path) already exists; it was not replaced.")
        }
        do {
            let pair = WorkshopKeyPair(privateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048))
            try manager.createDirectory(at: files.directory, withIntermediateDirectories: true,
                                        attributes: [.posixPermissions: 0o700])
            // Written to a temporary file with owner-only permissions, then moved into place.
            try write(pair.privateKey.pemRepresentation, to: files.privateKey, permissions: 0o600)
            try write(pair.publicKey.pemRepresentation, to: files.publicKey, permissions: 0o644)
            return pair
        } catch let error as FileError {
            throw error
        } catch {
            throw FileError(description: "Cannot write keys to \(files.directory.path): \(error.localizedDescription)")
        }
    }

    static func write(_ text: String, to url: URL, permissions: Int) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: permissions])
        else { throw FileError(description: "Cannot write \(temporary.path)") }
        // rename(2) replaces an existing file atomically: readers see the old key or the new one.
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw FileError(description: "Cannot move \(temporary.path) to \(url.path)")
        }
    }

    /// The public key(s) the token desk published in `files`: `public.pem`, or `jwks.json` when there
    /// is no `public.pem` (RSA keys of 2048 bits or more for RS256 signatures: RFC 7517 §4, RFC 7518
    /// §6.3.1). Reads nothing else and writes nothing: a server that checks tokens holds no signing key.
    public static func publicKeys(in files: KeyFiles) throws(FileError) -> [_RSA.Signing.PublicKey] {
        let manager = FileManager.default
        if manager.fileExists(atPath: files.publicKey.path) {
            guard let key = try? _RSA.Signing.PublicKey(pemRepresentation: try text(of: files.publicKey)) else {
                throw unusable(files.publicKey, "is not an RSA public key of 2048 bits or more", in: files)
            }
            return [key]
        }
        if manager.fileExists(atPath: files.jwks.path) {
            guard let set = try? JSONValue(parsing: Data(try text(of: files.jwks).utf8)), let members = set["keys"]?.arrayValue else {
                throw unusable(files.jwks, "is not a JWK Set", in: files)
            }
            let keys = members.compactMap(signingKey)
            guard !keys.isEmpty else {
                throw unusable(files.jwks, "holds no RSA key of 2048 bits or more for RS256 signatures", in: files)
            }
            return keys
        }
        throw FileError(
            description: "No public key in \(files.directory.path): neither public.pem nor jwks.json is there.\n"
                + "The token desk creates the key pair: \(deskCommand(for: files))"
        )
    }

    /// An RSA JWK meant for RS256 signatures, or nil (RFC 7517 §4.2 `use`, §4.4 `alg`; RFC 7518 §6.3.1).
    static func signingKey(_ jwk: JSONValue) -> _RSA.Signing.PublicKey? {
        guard jwk["kty"] == "RSA", jwk["use"].map({ $0 == "sig" }) ?? true, jwk["alg"].map({ $0 == "RS256" }) ?? true,
            let n = jwk["n"]?.stringValue.flatMap(Base64URL.decode), let e = jwk["e"]?.stringValue.flatMap(Base64URL.decode)
        else { return nil }
        return try? _RSA.Signing.PublicKey(n: n, e: e)
    }

    static func text(of url: URL) throws(FileError) -> String {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw FileError(description: "Cannot read \(url.path): check its permissions.")
        }
        return text
    }

    static func unusable(_ url: URL, _ problem: String, in files: KeyFiles) -> FileError {
        FileError(
            description: "\(url.path) \(problem).\n"
                + "Replace it with the token desk's \(url.lastPathComponent), or make a new pair with: \(deskCommand(for: files)) --rotate"
        )
    }

    /// `swift run generate_token keys`, naming the folder when it is not the default one.
    static func deskCommand(for files: KeyFiles) -> String {
        let command = "swift run generate_token keys"
        if files.directory.path == KeyFiles.locate().directory.path { return command }
        let path = files.directory.path
        let plain = path.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+".contains($0)) }
        return command + " --keys-dir " + (plain ? path : "'\(path.replacingOccurrences(of: "'", with: #"'\''"#))'")
    }
}
