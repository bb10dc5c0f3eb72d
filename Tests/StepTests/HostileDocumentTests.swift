import Foundation
import HTTPTypes
import Synchronization
import Testing
import WorkshopSupport

@testable import WorkshopIssuer

/// Client ID Metadata Documents, and the URLs that name them, as a hostile or careless client might
/// serve them: each is refused with a clear OAuth error naming the check that failed, and the issuer
/// goes on answering other clients at once (draft-ietf-oauth-client-id-metadata-document §3, §4, §5, §8.6,
/// §8.7; MCP 2026-07-28 security considerations, "Client ID Metadata Document Security").
@Suite("Hostile client metadata documents")
struct HostileDocumentTests {
    typealias Harness = IssuerHarness

    /// One hostile document or URL: what the host serves, the client_id sent, and the refusal expected.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// The client_id to send, given the host; serves whatever the case needs first.
        let prepare: @Sendable (DocumentHost) -> String
        let error: String
        /// Words the error_description must contain: the check that failed.
        let says: String
        var redirectURI = "http://127.0.0.1/callback"
        var signedBy = TestCA.trusted
        var testDescription: String { name }
        /// Only the cases about a slow host are meant to meet the fetch time limit.
        var isAboutSlowness: Bool { says.contains("did not answer within") }
    }

    static let path = "/client.json"

    /// A case whose host serves `document` (given its own URL) at `path`.
    static func serving(_ name: String, error: String = "invalid_client_metadata", says: String, _ document: @escaping @Sendable (String) -> JSONValue) -> Case {
        Case(name: name, prepare: { host in
            host.serve(path, document: document(host.url(path)))
            return host.url(path)
        }, error: error, says: says)
    }

    /// A case whose host answers `answer` at `path`.
    static func answering(_ name: String, says: String, _ answer: DocumentHost.Answer) -> Case {
        Case(name: name, prepare: { host in
            host.serve(path, answer)
            return host.url(path)
        }, error: "invalid_client", says: says)
    }

    /// A case that sends a client_id URL built from the host's port, which the issuer must refuse before fetching.
    static func url(_ name: String, says: String, error: String = "invalid_client", _ build: @escaping @Sendable (Int) -> String) -> Case {
        Case(name: name, prepare: { host in
            host.serve(path, document: Harness.document(host.url(path)))
            return build(Int(host.origin.split(separator: ":").last!)!)
        }, error: error, says: says)
    }

    static let document = Harness.document
    static let big = [UInt8](repeating: UInt8(ascii: " "), count: 6000)

    static let cases: [Case] = [
        serving("client_id mismatch", error: "invalid_client", says: "names another client_id than its own URL") { _ in
            document("https://claude.ai/oauth/claude-code-client-metadata", "Claude Code", ["http://localhost/callback"], [:])
        },
        Case(name: "unlisted redirect_uri", prepare: { host in
            host.serve(path, document: document(host.url(path), "Test app", ["http://127.0.0.1/callback"], [:]))
            return host.url(path)
        }, error: "invalid_request", says: "not one the client's metadata document lists", redirectURI: "https://attacker.example/callback"),
        answering("oversized, announced", says: "is larger than 5120 bytes", .init(body: Array(#"{"client_id": ""#.utf8) + big + Array(#""}"#.utf8))),
        answering("oversized, streamed without a length", says: "is larger than 5120 bytes", .init(body: big + big, chunk: 1000, trickle: .milliseconds(1))),
        answering("slow to answer", says: "did not answer within 2 seconds", .init(body: Array(#"{}"#.utf8), delay: .seconds(30))),
        answering("slow body, a byte at a time", says: "did not answer within 2 seconds", .init(body: Array(repeating: UInt8(ascii: " "), count: 400), chunk: 1, trickle: .milliseconds(100))),
        answering("a 3xx answer", says: "answered 302, a redirect", .init(status: .found, headers: [.location: "https://169.254.169.254/latest/meta-data"])),
        answering("not JSON: an HTML page", says: "Content-Type text/html, not JSON", .init(headers: [.contentType: "text/html"], body: Array("<html></html>".utf8))),
        answering("not JSON: a JSON media type over something else", says: "is not a JSON object", .init(body: Array("client_id=x".utf8))),
        answering("a member named twice", says: "is not a JSON object, each member named once", .init(body: Array(#"{"client_id": "a", "client_id": "b"}"#.utf8))),
        answering("404", says: "answered 404 instead of 200 OK", .init(status: .notFound)),
        url("a private address (RFC 1918)", says: "leads to a private, loopback or link-local address") { _ in "https://10.1.2.3/client.json" },
        url("the cloud metadata address (link-local)", says: "leads to a private, loopback or link-local address") { _ in "https://169.254.169.254/latest/client.json" },
        url("an IPv4-mapped IPv6 loopback address", says: "leads to a private, loopback or link-local address") { port in "https://[::ffff:127.0.0.1]:\(port)/client.json" },
        url("the unspecified address", says: "leads to an address that is not a public one") { port in "https://0.0.0.0:\(port)/client.json" },
        url("a fragment", says: "must not contain a fragment") { port in "https://localhost:\(port)/client.json#me" },
        url("user information", says: "must not contain user information") { port in "https://user:secret@localhost:\(port)/client.json" },
        url("a .. segment", says: "must not contain . or .. path segments") { port in "https://localhost:\(port)/docs/../client.json" },
        url("a percent-encoded .. segment", says: "must not contain . or .. path segments") { port in "https://localhost:\(port)/docs/%2E%2e/client.json" },
        url("plain http", says: "must use https, not http") { port in "http://localhost:\(port)/client.json" },
        url("a query", says: "must not contain a query") { port in "https://localhost:\(port)/client.json?v=1" },
        url("no path", says: "must have a path") { port in "https://localhost:\(port)/" },
        Case(name: "a certificate from a CA nobody trusts", prepare: { host in
            host.serve(path, document: document(host.url(path), "Test app", ["http://127.0.0.1/callback"], [:]))
            return host.url(path)
        }, error: "invalid_client", says: "its TLS certificate is not valid for the host or not from a trusted CA", signedBy: TestCA.stranger),
        serving("more redirect URIs than anyone needs", says: "lists more than 20 redirect_uris") { url in
            document(url, "Test app", (1...21).map { "https://app.example/\($0)" }, [:])
        },
        serving("a redirect URI that is neither https nor loopback", says: "has a redirect URI that is not https") { url in
            document(url, "Test app", ["http://app.example/callback"], [:])
        },
        serving("no client_name", says: "has no client_name") { url in document(url, "", ["http://127.0.0.1/callback"], [:]) },
        serving("a client_name that reverses its text", says: "with control or format characters") { url in
            document(url, "Safe\u{202E}ppA", ["http://127.0.0.1/callback"], [:])
        },
        serving("no redirect_uris", says: "has no redirect_uris") { url in document(url, "Test app", [], [:]) },
        serving("no authorization_code grant", says: "does not list the authorization_code grant") { url in
            document(url, "Test app", ["http://127.0.0.1/callback"], ["grant_types": ["client_credentials"]])
        },
        serving("a client_secret in a public document", says: "holds a client_secret") { url in
            document(url, "Test app", ["http://127.0.0.1/callback"], ["client_secret": "hunter2"])
        },
        serving("a secret-based authentication method", says: "uses client_secret_basic") { url in
            document(url, "Test app", ["http://127.0.0.1/callback"], ["token_endpoint_auth_method": "client_secret_basic"])
        },
        serving("only methods this issuer cannot use", says: "offers no token endpoint authentication this issuer supports") { url in
            document(url, "Test app", ["http://127.0.0.1/callback"], [
                "token_endpoint_auth_method": "tls_client_auth", "token_endpoint_auth_methods_supported": ["tls_client_auth", "client_secret_post"],
            ])
        },
        serving("private_key_jwt without keys", says: "uses private_key_jwt but publishes no jwks or jwks_uri") { url in
            document(url, "Test app", ["http://127.0.0.1/callback"], ["token_endpoint_auth_method": "private_key_jwt"])
        },
        serving("private key material in jwks", says: "publishes private or symmetric key material") { url in
            document(url, "Test app", ["http://127.0.0.1/callback"], [
                "token_endpoint_auth_method": "private_key_jwt", "jwks": ["keys": [["kty": "oct", "k": "c2VjcmV0"]]],
            ])
        },
        serving("a jwks_uri over plain http", says: "The jwks_uri URL must use https, not http") { url in
            document(url, "Test app", ["http://127.0.0.1/callback"], ["token_endpoint_auth_method": "private_key_jwt", "jwks_uri": "http://keys.example/jwks.json"])
        },
    ]

    @Test("a hostile document or client_id URL is refused with a clear OAuth error, and other clients are still served", arguments: cases)
    func refused(_ hostile: Case) async throws {
        try await DocumentHost.run(signedBy: hostile.signedBy) { host in
            let clientID = hostile.prepare(host)
            // The other cases get a limit a busy machine cannot reach, so that each fails only for its own reason.
            let settings = Harness.documentSettings { if !hostile.isAboutSlowness { $0.documents.timeout = .seconds(30) } }
            try await Harness.run(settings) { issuer in
                let reply = try await issuer.authorizationPage(clientID, redirectURI: hostile.redirectURI)
                #expect(reply.status.code >= 400 && reply.status.code < 500)
                #expect(reply.error == hostile.error)
                let description = reply.json["error_description"]?.stringValue ?? ""
                #expect(description.contains(hostile.says), "\(description)")
                // Never a redirect: the client is not verified, so the answer goes to the person (RFC 6749 §4.1.2.1).
                #expect(reply.location == nil)
                try await Self.expectOthersServed(issuer)
            }
        }
    }

    /// Another client, registered the RFC 7591 way, still gets its sign-in page. (That a fetch in
    /// progress delays no one is `slowDocumentDelaysNoOne`'s to show, by order of events, not by a clock.)
    static func expectOthersServed(_ issuer: IssuerHarness) async throws {
        let client = try await issuer.client()
        #expect(try await issuer.authorizationPage(client.id).status == .ok)
    }

    @Test("a slow document delays no one else: another client signs in and gets its token while the fetch waits")
    func slowDocumentDelaysNoOne() async throws {
        try await DocumentHost.run { host in
            let id = host.url(Self.path)
            host.serve(Self.path, .init(body: Array(Harness.document(id).encoded()), delay: .seconds(30)))
            try await Harness.run(Harness.documentSettings { $0.documents.timeout = .seconds(4) }) { issuer in
                let finished = Flag()
                let slow = Task {
                    defer { finished.set() }
                    return try await issuer.authorizationPage(id)
                }
                try await host.waitForRequest(Self.path)
                let client = try await issuer.client()
                let tokens = try await issuer.tokens(client.id)
                #expect(tokens.status == .ok)
                #expect(!finished.isSet, "the other client waited for the slow document")
                let refused = try await slow.value
                #expect(refused.json["error_description"] == "The client's metadata document at localhost did not answer within 4 seconds.")
            }
        }
    }

    /// Set once, read from any task.
    final class Flag: Sendable {
        private let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    @Test("a document that changes between /authorize and /token: the code holds to its redirect URI and authentication method")
    func documentChangesAfterSignIn() async throws {
        try await DocumentHost.run { host in
            let id = host.url(Self.path)
            let redirect = "http://127.0.0.1/callback"
            let original = Harness.document(id, redirectURIs: [redirect, "http://127.0.0.1/other"])
            host.serve(Self.path, document: original, cacheControl: "no-store")
            host.serve("/jwks.json", document: ClientKey.jwks)
            try await Harness.run(Harness.documentSettings()) { issuer in
                // The redirect URI the code was issued for is no longer listed.
                let first = try #require(try await issuer.code(id, redirectURI: redirect))
                host.serve(Self.path, document: Harness.document(id, redirectURIs: ["http://127.0.0.1/other"]), cacheControl: "no-store")
                let dropped = try await issuer.redeem(first.code, verifier: first.verifier, redirectURI: redirect, [("client_id", id)])
                #expect(dropped.error == "invalid_grant")
                #expect(dropped.json["error_description"] == "The client no longer lists the redirect_uri this code was issued for.")

                // The client now says private_key_jwt: a code issued to the public client is not redeemed by a key,
                // and the public client's way (client_id alone) is no longer enough.
                host.serve(Self.path, document: original, cacheControl: "no-store")
                let second = try #require(try await issuer.code(id, redirectURI: redirect))
                let signed = Harness.document(id, redirectURIs: [redirect], [
                    "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": .string(host.url("/jwks.json")),
                ])
                host.serve(Self.path, document: signed, cacheControl: "no-store")
                let asPublic = try await issuer.redeem(second.code, verifier: second.verifier, redirectURI: redirect, [("client_id", id)])
                #expect(asPublic.error == "invalid_client")
                let withKey = try await issuer.redeem(
                    second.code, verifier: second.verifier, redirectURI: redirect, ClientKey.authentication(ClientKey.assertion(id)))
                #expect(withKey.error == "invalid_grant")
                #expect(withKey.json["error_description"] == "The client authenticates with private_key_jwt now, but the code was issued when it used none.")

                // A grant keeps the method it began with: a refresh signed with a key does not continue a public client's grant.
                host.serve(Self.path, document: original, cacheControl: "no-store")
                let third = try #require(try await issuer.code(id, redirectURI: redirect))
                let tokens = try await issuer.redeem(third.code, verifier: third.verifier, redirectURI: redirect, [("client_id", id)])
                #expect(tokens.status == .ok)
                host.serve(Self.path, document: signed, cacheControl: "no-store")
                let refreshed = try await issuer.post(
                    "/token", [("grant_type", "refresh_token"), ("refresh_token", tokens.json["refresh_token"]?.stringValue ?? "")]
                        + ClientKey.authentication(ClientKey.assertion(id)))
                #expect(refreshed.error == "invalid_grant")
                #expect(refreshed.json["error_description"] == "The client authenticates with private_key_jwt now, but the grant began when it used none.")
            }
        }
    }

    @Test("one fetch per URL at a time, and a few per host: beyond them a new client is told to retry, and nothing waits")
    func fetchesAreShared() async throws {
        try await DocumentHost.run { host in
            let slow = host.url("/slow.json"), other = host.url("/other.json")
            host.serve("/slow.json", .init(body: Array(Harness.document(slow).encoded()), delay: .seconds(30)))
            host.serve("/other.json", document: Harness.document(other))
            host.serve("/third.json", .init(body: Array(Harness.document(host.url("/third.json")).encoded()), delay: .seconds(30)))
            // The slow fetches must still be under way when the fourth client comes, on a loaded machine too.
            try await Harness.run(Harness.documentSettings { $0.documents.fetchesPerHost = 2; $0.documents.timeout = .seconds(10) }) { issuer in
                let first = Task { try await issuer.authorizationPage(slow) }
                let second = Task { try await issuer.authorizationPage(slow) }
                try await host.waitForRequest("/slow.json")
                try await Task.sleep(for: .milliseconds(200))
                #expect(host.requests("/slow.json") == 1, "the two requests for one URL share one fetch")
                let busy = try await issuer.authorizationPage(other)
                #expect(busy.status == .ok, "a second URL of the host is fetched: the cap is 2")
                let third = Task { try await issuer.authorizationPage(host.url("/third.json")) }
                try await host.waitForRequest("/third.json")
                let refused = try await issuer.authorizationPage(host.url("/fourth.json"))
                #expect(refused.status == .serviceUnavailable)
                #expect(refused.error == "temporarily_unavailable")
                #expect(refused.headers[.retryAfter] == "5")
                #expect(host.requests("/fourth.json") == 0)
                try await Self.expectOthersServed(issuer)
                for task in [first, second] { #expect(try await task.value.error == "invalid_client") }
                _ = try await third.value
            }
        }
    }

    @Test("a jwks_uri on a private address is refused when the key set is fetched, like a document")
    func privateKeySetAddress() async throws {
        try await DocumentHost.run { host in
            let id = host.url(Self.path)
            host.serve(Self.path, document: Harness.document(id, [
                "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": "https://192.168.1.10/jwks.json",
            ]))
            try await Harness.run(Harness.documentSettings()) { issuer in
                let granted = try #require(try await issuer.code(id, redirectURI: "http://127.0.0.1/callback"))
                let reply = try await issuer.redeem(
                    granted.code, verifier: granted.verifier, redirectURI: "http://127.0.0.1/callback", ClientKey.authentication(ClientKey.assertion(id)))
                #expect(reply.status == .unauthorized)
                #expect(reply.error == "invalid_client")
                #expect(reply.json["error_description"]?.stringValue?.contains("leads to a private, loopback or link-local address") == true)
                try await Self.expectOthersServed(issuer)
            }
        }
    }

    @Test("a host the operator does not trust is never fetched from loopback, even when it serves a good document")
    func untrustedLoopback() async throws {
        try await DocumentHost.run { host in
            let id = host.url(Self.path)
            host.serve(Self.path, document: Harness.document(id))
            try await Harness.run(Harness.documentSettings { $0.documents.trustedHosts = [] }) { issuer in
                let reply = try await issuer.authorizationPage(id)
                #expect(reply.error == "invalid_client")
                #expect(reply.json["error_description"] == "The client's metadata document at localhost leads to a private, loopback or link-local address, which this issuer does not fetch from.")
                #expect(host.requests(Self.path) == 0)
            }
        }
    }
}
