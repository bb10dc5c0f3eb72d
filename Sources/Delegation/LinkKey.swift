import Crypto
import Foundation

/// The key that seals partner tokens: 32 random bytes in a file only this server's user may read.
enum LinkKey {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads the key, creating it (0600) when there is none; a key file others may read is refused. O_EXCL: a
    /// second server starting at the same moment reads the first one's key instead of writing its own.
    static func load(_ file: URL) throws(Problem) -> SymmetricKey {
        let descriptor = open(file.path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
            guard written == bytes.count else { throw Problem(description: "\(file.path) could not be written: check the folder's space and rights.") }
            return SymmetricKey(data: bytes)
        }
        guard errno == EEXIST, let data = FileManager.default.contents(atPath: file.path) else {
            throw Problem(description: "\(file.path) can be neither created nor read: check the rights of --data-dir.")
        }
        // Whoever reads the key and the database reads every partner token: a key others may read is no key.
        let mode = (try? FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) ?? 0o777
        guard mode & 0o077 == 0 else {
            throw Problem(
                description: "\(file.path) may be read by other users of this machine (mode \(String(mode, radix: 8))), so the server did not"
                    + " start: run chmod 600 \(file.path); if others may have read it, move it away instead (a new key is made, users link again).")
        }
        guard data.count == 32 else {
            throw Problem(
                description: "\(file.path) holds \(data.count) bytes, not a 32-byte key, so the server did not start. Without it no"
                    + " stored partner link opens: restore the file, or move it away to start with a new key (users link again).")
        }
        return SymmetricKey(data: data)
    }
}
