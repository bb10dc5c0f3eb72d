import Foundation

/// This process's scratch folder, removed at exit: on tmpfs when there is one, so the keys and the
/// notes file the harnesses rewrite for every input never touch a disk.
public enum Scratch {
    public static let folder: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        let folder = base.appendingPathComponent("mcp-fuzz-\(getpid())")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.folder) }
        return folder
    }()
}
