import AsyncHTTPClient
import CryptoExtras
import Foundation
import NIOCore
import WorkshopSupport

/// Finds an issuer's signing keys the way an MCP client finds its endpoints: its RFC 8414 metadata
/// (or OpenID Connect discovery), whose `jwks_uri` names its JWK Set (RFC 8414 §2, RFC 7517 §5).
struct IssuerDiscovery: Sendable {
    static let timeout: TimeAmount = .seconds(5)
    static let maxDocumentSize = 512 * 1024
    /// Follows no redirect (RFC 9110 §15.4): followed, a 307 sends the request again, a token or a secret in it, wherever it points.
    static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    /// Why an issuer's keys could not be fetched: for the log.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The well-known URLs to try, in order (MCP authorization, "Authorization Server Metadata Discovery";
    /// RFC 8414 §3.1 inserts the well-known part between the host and the issuer's path).
    static func metadataURLs(for issuer: String) -> [String] {
        guard var components = URLComponents(string: issuer) else { return [] }
        let path = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
        components.path = ""
        guard let origin = components.string else { return [] }
        if path.isEmpty {
            return ["\(origin)/.well-known/oauth-authorization-server", "\(origin)/.well-known/openid-configuration"]
        }
        return [
            "\(origin)/.well-known/oauth-authorization-server\(path)",
            "\(origin)/.well-known/openid-configuration\(path)",
            "\(origin)\(path)/.well-known/openid-configuration",
        ]
    }

    /// The issuer's signing keys by key id: metadata first, then the JWK Set it points to.
    func keys(of issuer: String) async throws(Failure) -> [String: _RSA.Signing.PublicKey] {
        let metadata = try await metadata(of: issuer)
        guard let jwksURI = metadata["jwks_uri"]?.stringValue else {
            throw Failure(description: "the metadata of \(issuer) has no jwks_uri")
        }
        guard let jwks = try await fetchJSON(jwksURI) else { throw Failure(description: "\(jwksURI) answered 404") }
        return Self.signingKeys(in: jwks)
    }

    /// The first metadata document found; its `issuer` must be exactly the one we asked about (RFC 8414 §3.3),
    /// or anyone able to serve a document could speak for another issuer.
    func metadata(of issuer: String) async throws(Failure) -> [String: JSONValue] {
        for url in Self.metadataURLs(for: issuer) {
            guard let document = try await fetchJSON(url) else { continue }
            guard let metadata = document.objectValue else { throw Failure(description: "\(url) is not a JSON object") }
            guard metadata["issuer"] == .string(issuer) else {
                throw Failure(description: "\(url) names issuer \(metadata["issuer"]?.jsonText ?? "missing"), not \(issuer)")
            }
            return metadata
        }
        throw Failure(description: "no metadata at \(Self.metadataURLs(for: issuer).joined(separator: " or "))")
    }

    /// RSA keys meant for RS256 signatures, by `kid`; other keys are not ours to use (RFC 7517 §4.2-4.4).
    static func signingKeys(in jwks: JSONValue) -> [String: _RSA.Signing.PublicKey] {
        var keys: [String: _RSA.Signing.PublicKey] = [:]
        for jwk in jwks["keys"]?.arrayValue ?? [] {
            guard jwk["kty"] == "RSA", jwk["use"] == nil || jwk["use"] == "sig", jwk["alg"] == nil || jwk["alg"] == "RS256",
                let kid = jwk["kid"]?.stringValue, !kid.isEmpty,
                let n = jwk["n"]?.stringValue.flatMap({ Base64URL.decode($0) }), let e = jwk["e"]?.stringValue.flatMap({ Base64URL.decode($0) }),
                let key = try? _RSA.Signing.PublicKey(n: n, e: e)  // refuses keys under 2048 bits
            else { continue }
            keys[kid] = key
        }
        return keys
    }

    /// GET a JSON document: nil for 404, a failure for anything else that is not 200 JSON.
    func fetchJSON(_ url: String) async throws(Failure) -> JSONValue? {
        do {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await Self.answer(to: request, timeout: Self.timeout, upTo: Self.maxDocumentSize)
            if response.status == 404 { return nil }
            if response.status / 100 == 3 { throw Self.notFollowed(url, response.status, to: response.location) }
            guard response.status == 200 else { throw Failure(description: "\(url) answered \(response.status)") }
            return try JSONValue(parsing: Data(response.body.readableBytesView))
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "\(url): \(error)")
        }
    }

    /// The status, `Location` and at most `limit` bytes of body of the answer to `request`, all within `timeout`:
    /// the client's own timeout ends once the headers arrive, and a body may come a byte at a time.
    static func answer(to request: HTTPClientRequest, timeout: TimeAmount, upTo limit: Int) async throws
        -> (status: UInt, location: String?, body: ByteBuffer)
    {
        try await withThrowingTaskGroup(of: (status: UInt, location: String?, body: ByteBuffer)?.self) { group in
            group.addTask {
                let response = try await client.execute(request, timeout: timeout)
                return (response.status.code, response.headers.first(name: "Location"), try await response.body.collect(upTo: limit))
            }
            group.addTask {
                try await Task.sleep(for: .nanoseconds(timeout.nanoseconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let answer = try await group.next() ?? nil else { throw TimedOut(seconds: timeout.nanoseconds / 1_000_000_000) }
            return answer
        }
    }

    /// The issuer took longer than the time limit to answer in full.
    struct TimedOut: Error, CustomStringConvertible {
        let seconds: Int64
        var description: String { "no complete answer within \(seconds) seconds" }
    }

    /// A redirect, refused: requests to an issuer go only to the URLs it publishes (RFC 9110 §15.4).
    static func notFollowed(_ url: String, _ status: UInt, to location: String?) -> Failure {
        Failure(
            description: "\(url) answered \(status), a redirect to \(location ?? "nowhere"), which is not followed:"
                + " an issuer is asked only at the URLs it publishes")
    }
}
