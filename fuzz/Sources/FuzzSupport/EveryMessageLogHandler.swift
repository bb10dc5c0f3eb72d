import Logging

/// A log handler at `trace` that renders every message and its metadata, then drops them: the
/// fuzzers run each log statement's interpolations, the way a server at `--log-level trace` does,
/// without spending time on output.
public struct EveryMessageLogHandler: LogHandler {
    public var logLevel: Logger.Level = .trace
    public var metadata: Logger.Metadata = [:]

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var rendered = event.message.description
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            rendered += " \(key)=\(value)"
        }
        blackHole(rendered)
    }

    public static var logger: Logger { Logger(label: "fuzz") { _ in EveryMessageLogHandler() } }
}

/// Keeps the optimiser from dropping work whose only result is a value nobody reads.
@inline(never)
public func blackHole(_ value: String) {
    withExtendedLifetime(value) {}
}
