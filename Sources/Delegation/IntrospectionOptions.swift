import ArgumentParser
import Foundation
import Logging
import WorkshopSupport

/// Whether to ask the issuer if each token is still active (RFC 7662), as which of its clients, and
/// how long an answer is reused. Off unless a client id is given.
struct IntrospectionOptions: ParsableArguments, Sendable {
    /// Where the secret comes from when no file is named: the environment, because a command line is
    /// visible to every user of the machine (`ps`).
    static let secretVariable = "INTROSPECTION_CLIENT_SECRET"
    /// The longest an "active" answer may be reused: past this, revocation is no longer "within seconds".
    static let maxCacheSeconds = 60

    @Option(
        name: .customLong("introspection-client-id"),
        help: ArgumentHelp(
            "Turn on token introspection (RFC 7662), as this client of the issuer: after every local check, ask the"
                + " issuer whether the token is still active, so that a revoked token is refused within seconds rather"
                + " than at its exp. It costs a call to the issuer per token and cache period, and puts the issuer on"
                + " the request path: when it cannot be asked, requests are refused (503). The issuer must allow the"
                + " client to introspect (the workshop issuer: \"introspection\": true in its --clients-file)."
                + " Off by default.",
            valueName: "client-id"))
    var clientID: String?

    @Option(
        name: .customLong("introspection-secret-file"),
        help: ArgumentHelp(
            "A file holding that client's secret. Without it, the secret is read from the environment variable"
                + " \(Self.secretVariable). Never on the command line: every user of the machine can read that (ps).",
            valueName: "file"))
    var secretFile: String?

    @Option(
        name: .customLong("introspection-cache"),
        help: ArgumentHelp(
            "Seconds an 'active' answer is reused for the same token, never past its exp (0 to \(Self.maxCacheSeconds);"
                + " 0 asks on every request). A revoked token is refused at most this long after its revocation.",
            valueName: "seconds"))
    var cacheSeconds = 5

    init() {}

    func validate() throws {
        guard (0...Self.maxCacheSeconds).contains(cacheSeconds) else {
            throw ValidationError("--introspection-cache must be 0 to \(Self.maxCacheSeconds) seconds, got \(cacheSeconds).")
        }
        if clientID == nil, secretFile != nil {
            throw ValidationError("--introspection-secret-file needs --introspection-client-id: the client the secret belongs to.")
        }
        if let clientID, clientID.isEmpty { throw ValidationError("--introspection-client-id must not be empty.") }
    }

    /// Why introspection cannot be turned on as asked, and what to do about it.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The introspection client these options describe, or nil when introspection is off. It asks the
    /// one trusted issuer: its secret is for that issuer alone.
    func client(issuers: [String], logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(Problem) -> TokenIntrospection?
    {
        guard let clientID else { return nil }
        guard issuers.count == 1 else {
            throw Problem(description: "--introspection-client-id asks one issuer with one secret: trust exactly one --issuer with it.")
        }
        return TokenIntrospection(
            issuer: issuers[0], clientID: clientID, clientSecret: try secret(environment: environment),
            cacheTime: TimeInterval(cacheSeconds), logger: logger)
    }

    /// The client secret: the file's first line, or the environment variable.
    func secret(environment: [String: String]) throws(Problem) -> String {
        let text: String
        if let secretFile {
            guard let data = FileManager.default.contents(atPath: secretFile), let contents = String(data: data, encoding: .utf8) else {
                throw Problem(description: "--introspection-secret-file \(secretFile): cannot read the file.")
            }
            text = contents
        } else {
            guard let value = environment[Self.secretVariable], !value.isEmpty else {
                throw Problem(
                    description: "--introspection-client-id needs the client's secret: name a file holding it with"
                        + " --introspection-secret-file, or set \(Self.secretVariable).")
            }
            text = value
        }
        let secret = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard !secret.isEmpty else {
            throw Problem(description: "The introspection client secret (\(secretFile ?? Self.secretVariable)) is empty.")
        }
        return secret
    }
}
