import Foundation
import WorkshopSupport

/// The clients the operator configures with `generate_token serve --clients-file FILE`: a JSON document
/// `{"clients": [ … ]}`, each client its RFC 7591 metadata plus `client_id`, `client_secret` for a
/// confidential one, `"introspection": true` for a resource server allowed to introspect tokens, and
/// `"token_exchange"` for one that may exchange its users' tokens (RFC 8693, `TokenExchangePolicy`).
/// Unlike a self-registered client, such a client may hold `mcp:admin`.
enum ClientsFile {
    static let members: Set<String> = [
        "client_id", "client_secret", "client_name", "token_endpoint_auth_method", "redirect_uris", "grant_types",
        "response_types", "scope", "introspection", "token_exchange",
    ]
    static let minimumSecretLength = 32
    static let maxClients = 100

    /// Why the file cannot be used, said for the operator.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func load(_ path: String, now: Int) throws(Failure) -> [RegisteredClient] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "--clients-file \(path): cannot read the file.")
        }
        return try parse(data, now: now, source: "--clients-file \(path)")
    }

    static func parse(_ data: Data, now: Int, source: String) throws(Failure) -> [RegisteredClient] {
        guard let document = try? JSONValue(parsingUniqueKeys: data), let object = document.objectValue,
            Set(object.keys) == ["clients"], let entries = object["clients"]?.arrayValue, entries.count <= maxClients
        else {
            throw Failure(description: "\(source): expected a JSON object {\"clients\": [...]} of at most \(maxClients) clients, each member named once.")
        }
        var clients: [RegisteredClient] = []
        for (index, entry) in entries.enumerated() {
            let id = entry["client_id"]?.stringValue ?? ""
            func fail(_ text: String) -> Failure { Failure(description: "\(source): clients[\(index)] (\(id.isEmpty ? "no client_id" : id)): \(text)") }
            guard let metadata = entry.objectValue else { throw fail("each client is a JSON object.") }
            if let unknown = metadata.keys.sorted().first(where: { !members.contains($0) }) {
                throw fail("unknown member \(unknown); a client may have \(members.sorted().joined(separator: ", ")).")
            }
            guard (1...128).contains(id.utf8.count), id.unicodeScalars.allSatisfy(isUnreserved) else {
                throw fail("client_id must be 1 to 128 letters, digits, '-', '.', '_' or '~'.")
            }
            guard !clients.contains(where: { $0.id == id }) else { throw fail("client_id is used twice.") }
            let registration: ClientRegistration
            do {
                registration = try ClientRegistration(metadata, preconfigured: true)
            } catch {
                throw fail(error.description)
            }
            let secret = metadata["client_secret"]?.stringValue
            if registration.authMethod == .none {
                guard metadata["client_secret"] == nil else { throw fail("a public client (token_endpoint_auth_method none) has no client_secret.") }
            } else {
                guard let secret, secret.count >= minimumSecretLength else {
                    throw fail("a confidential client needs a client_secret of at least \(minimumSecretLength) characters, e.g. from 'openssl rand -base64 32'.")
                }
            }
            var client = RegisteredClient(
                id: id, secretDigest: secret.map(Secret.digest), registration: registration, issuedAt: now, preconfigured: true)
            switch metadata["introspection"] {
            case nil, false: break
            case true where client.isConfidential: client.mayIntrospect = true
            case true: throw fail("introspection needs a confidential client: one with a client_secret (RFC 7662 §2.1).")
            default: throw fail("introspection must be true or false.")
            }
            let grant = TokenExchangePolicy.grantType
            switch (metadata["token_exchange"], client.allows(grant: grant)) {
            case (nil, false): break
            case (nil, true): throw fail("grant_types lists \(grant), so add a token_exchange member saying what it may exchange (generate_token serve --help).")
            case (_?, false): throw fail("token_exchange needs \(grant) in grant_types.")
            case (let policy?, true):
                do throws(Failure) { client.tokenExchange = try TokenExchangePolicy(policy) } catch { throw fail(error.description) }
            }
            clients.append(client)
        }
        return clients
    }

    private static func isUnreserved(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-._~".unicodeScalars.contains(scalar))
    }
}
