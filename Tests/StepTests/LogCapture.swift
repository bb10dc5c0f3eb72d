import Logging
import Synchronization

/// A logger whose lines a test can read: each as "<level> <metadata> <message>", metadata sorted by key,
/// at the level a step runs at by default (info) unless the test asks for another.
final class LogCapture: Sendable {
    let level: Logger.Level
    private let recorded = Mutex<[String]>([])

    init(level: Logger.Level = .info) {
        self.level = level
    }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self, logLevel: self.level) }
    }

    var lines: [String] { recorded.withLock { $0 } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let text = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.recorded.withLock { $0.append("\(event.level) \(text) \(event.message)") }
        }
    }
}
