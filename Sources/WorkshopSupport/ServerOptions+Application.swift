import Foundation
import Hummingbird
import Logging
import NIOCore

extension ServerOptions {
    /// A logger at the chosen level, labelled with the step's name.
    public func makeLogger(label: String) -> Logger {
        var logger = Logger(label: label, factory: WorkshopLogHandler.init)
        logger.logLevel = logLevel
        return logger
    }

    /// Where Hummingbird binds, named after the step.
    public func applicationConfiguration(serverName: String) -> ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName)
    }

    /// Prints the start-up banner once the server is listening: a title, then one line per URL.
    public func announce(_ title: String, urls: [(label: String, path: String)]) -> @Sendable (any Channel) async -> Void {
        let lines = urls.map { "  \($0.label): \(baseURL)\($0.path)" }
        let address = "http://\(listenAddress)"
        return { _ in
            print("\(title) listening on \(address)")
            lines.forEach { print($0) }
            fflush(nil)  // scripts read the banner through a pipe
        }
    }

    /// Where the server listens, as `host:port` (an IPv6 address in brackets, as in a URL).
    public var listenAddress: String {
        "\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(port)"
    }
}
