import Foundation
import Logging
import Synchronization

/// Log lines on standard error in exactly the format of swift-log's `StreamLogHandler`, at a lower
/// cost per request: metadata is formatted only when a line is written (`StreamLogHandler` formats
/// it again each time a key is set, which a server does on every request), and the time stamp is
/// made once a second.
public struct WorkshopLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { $1 } }
        if let explicit = event.metadata, !explicit.isEmpty { merged.merge(explicit) { $1 } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let pretty = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
        let line = "\(Self.timestamp()) \(event.level)\(label.isEmpty ? "" : " ")\(label):\(pretty) [\(event.source)] \(event.message)\n"
        // One write per line, under a lock, so lines from several threads never interleave.
        var bytes = line
        bytes.withUTF8 { buffer in
            Self.output.withLock { _ in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
        }
    }

    private static let output = Mutex(())
    private static let lastStamp = Mutex<(second: Int, text: String)>((-1, ""))

    /// Local time as `StreamLogHandler` writes it, `%Y-%m-%dT%H:%M:%S%z`.
    static func timestamp() -> String {
        var now = time(nil)
        if let cached = lastStamp.withLock({ $0.second == now ? $0.text : nil }) { return cached }
        var local = tm()
        localtime_r(&now, &local)
        var buffer = [CChar](repeating: 0, count: 64)
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        let text = String(cString: buffer)
        lastStamp.withLock { $0 = (now, text) }
        return text
    }
}
