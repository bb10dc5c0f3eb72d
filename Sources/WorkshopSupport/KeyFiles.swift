import ArgumentParser
import Foundation

/// Where the workshop's signing keys live: one git-ignored `keys/` folder at the repository
/// root, shared by `generate_token` and the steps.
public struct KeyFiles: Sendable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory.standardizedFileURL
    }

    public var privateKey: URL { directory.appendingPathComponent("private.pem") }
    public var publicKey: URL { directory.appendingPathComponent("public.pem") }
    public var jwks: URL { directory.appendingPathComponent("jwks.json") }

    /// `keys/` at the repository root (see `RepositoryFolder`).
    public static func locate(from start: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        -> KeyFiles
    {
        KeyFiles(directory: RepositoryFolder.named("keys", from: start))
    }
}

/// Folders the programs share at the repository root.
public enum RepositoryFolder {
    /// `name` beside the nearest `Package.swift` at or above `start`, so that `swift run` from
    /// any folder of the checkout finds the same one; `start/name` when there is none.
    public static func named(_ name: String, from start: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        -> URL
    {
        var folder = start.standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                return folder.appendingPathComponent(name)
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return start.appendingPathComponent(name) }
            folder = parent
        }
    }
}

/// The `--keys-dir` option of the programs that read or write the keys.
public struct KeyOptions: ParsableArguments, Sendable {
    @Option(
        name: .customLong("keys-dir"),
        help: ArgumentHelp("Folder of the workshop's key pair (default: keys/ at the repository root).", valueName: "path")
    )
    public var keysDirectory: String?

    public init() {}

    public func validate() throws {
        // An unset shell variable (`--keys-dir "$KEYS"`) must not put keys in the current folder.
        if let keysDirectory, keysDirectory.allSatisfy(\.isWhitespace) {
            throw ValidationError(
                "--keys-dir is empty (an unset shell variable?): give it a folder, or leave it out to use keys/ at the repository root."
            )
        }
    }

    public var files: KeyFiles {
        keysDirectory.map { KeyFiles(directory: URL(fileURLWithPath: $0)) } ?? .locate()
    }
}
