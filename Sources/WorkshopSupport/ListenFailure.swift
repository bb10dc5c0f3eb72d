import Foundation
import NIOCore

/// Why a server could not listen where its options say, told for a person: which address, and what to
/// do about it, instead of the socket call's errno.
public struct ListenFailure: Error, CustomStringConvertible {
    public let description: String

    /// The explanation of `error` if it is a failure to bind the listening socket; nil for any other error.
    public init?(_ error: any Error, options: ServerOptions, command: String) {
        guard let error = error as? IOError else { return nil }
        let address = options.listenAddress
        // An example to copy: the same one every time, so that the message reads the same in every run.
        let otherPort = options.port == 9010 ? 9020 : 9010
        switch error.errnoCode {
        case EADDRINUSE:
            description = """
                \(address) is already in use: is another step, or the issuer, running there? \
                Stop it, or choose another port, e.g. swift run \(command) --port \(otherPort)
                """
        case EACCES:
            description = """
                \(address): permission denied; ports below 1024 need privileges. \
                Choose another port, e.g. swift run \(command) --port \(otherPort)
                """
        case EADDRNOTAVAIL:
            description = """
                \(address): \(options.host) is not an address of this machine. \
                Choose another --host, or leave it out to listen on 127.0.0.1.
                """
        default:
            return nil
        }
    }
}
