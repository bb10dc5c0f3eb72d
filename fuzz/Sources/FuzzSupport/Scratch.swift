import Foundation

/// This process's scratch folder, removed at exit: on tmpfs when there is one, so the keys and the
/// notes file the harnesses rewrite for every input never touch a disk.
public enum Scratch {
    static let prefix = "mcp-fuzz-"

    public static let folder: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        removeAbandoned(in: base)
        let folder = base.appendingPathComponent("\(prefix)\(getpid())")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.folder) }
        return folder
    }()

    /// A crash ends a run without `atexit`: the next run removes the folders of processes that are gone.
    static func removeAbandoned(in base: URL) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: base.appendingPathComponent(name))
        }
    }
}
