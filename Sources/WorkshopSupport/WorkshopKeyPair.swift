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

    /// The pair from `files`, created first if there is none; `created` says which happened.
    public static func loadOrCreate(from files: KeyFiles) throws(FileError) -> (pair: WorkshopKeyPair, created: Bool) {
        if let pair = try load(from: files) { return (pair, false) }
        return (try create(in: files), true)
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
}
