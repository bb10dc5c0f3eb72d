import Foundation
import Logging
import SQLiteNIO

/// The SQLite file the notes live in, through vapor/sqlite-nio: SQLite itself, bundled with the
/// package, run on NIO's thread pool so that no event loop ever waits for the disk. One connection,
/// used by one transaction at a time; another process that opens the same file takes turns with this
/// one through SQLite's own locks (https://sqlite.org/wal.html, https://sqlite.org/lang_transaction.html).
actor NotesDatabase {
    let file: URL
    private let connection: SQLiteConnection
    /// A transaction keeps the connection until it ends; the calls that come meanwhile wait here, in order.
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private init(file: URL, connection: SQLiteConnection) {
        self.file = file
        self.connection = connection
    }

    deinit {
        // Closing runs on the thread pool; nothing waits for it.
        _ = connection.close()
    }

    /// Opens the file, creating it (readable by its owner alone) when there is none.
    static func open(_ file: URL, logger: Logger) async throws -> NotesDatabase {
        try createPrivately(file)
        let connection = try await SQLiteConnection.open(storage: .file(path: file.path), logger: logger)
        let database = NotesDatabase(file: file, connection: connection)
        // Another process may hold the write lock for a moment: wait for it, up to 5 s, instead of failing.
        try await database.run("PRAGMA busy_timeout = 5000")
        // Write-ahead logging: readers never wait for the writer, and a crash cannot tear a commit in half.
        try await database.run("PRAGMA journal_mode = WAL")
        // COMMIT returns once the change is on disk: an acknowledged note outlives a crash, even a power cut.
        try await database.run("PRAGMA synchronous = FULL")
        return database
    }

    /// Runs `body` as one transaction that writes. BEGIN IMMEDIATE takes SQLite's write lock first, so
    /// that what `body` reads (how much an owner keeps, say) stays true until it commits, whoever else
    /// writes to the file; an error rolls back everything `body` did.
    func write<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        await takeTurn()
        defer { endTurn() }
        try await run("BEGIN IMMEDIATE")
        do {
            let result = try await body(connection)
            try await run("COMMIT")
            return result
        } catch {
            _ = try? await run("ROLLBACK")
            throw error
        }
    }

    /// Runs `body`, which only reads, between transactions: inside one it would see what is not yet committed.
    func read<T: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        await takeTurn()
        defer { endTurn() }
        return try await body(connection)
    }

    @discardableResult
    private func run(_ sql: String) async throws -> [SQLiteRow] {
        try await connection.query(sql)
    }

    private func takeTurn() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func endTurn() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}

extension SQLiteRow {
    /// A column's text; a row from this step's own queries always has it.
    func text(_ column: String) -> String { self.column(column)?.string ?? "" }

    func int(_ column: String) -> Int { self.column(column)?.integer ?? 0 }
}

/// The folder (0700) and an empty file (0600), unless they exist: SQLite gives its journal the database
/// file's permissions, and what users wrote is for their eyes, not the machine's. (O_CREAT without
/// O_TRUNC: a file that another process has just created is left as it is.)
private func createPrivately(_ file: URL) throws {
    try FileManager.default.createDirectory(
        at: file.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    let descriptor = open(file.path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    close(descriptor)
}
