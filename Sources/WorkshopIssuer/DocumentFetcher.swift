import Foundation
import NIOSSL

/// Fetches a client's metadata document, or the key set it names, as the draft's security
/// considerations ask (draft-ietf-oauth-client-id-metadata-document §5, §8.6, §8.7; MCP authorization,
/// "Authorization Server Abuse Protection"). Anyone can send the issuer a URL to fetch, so before and
/// while fetching it the issuer makes sure the URL cannot reach what a stranger must not reach, and
/// cannot cost more than a few seconds and a few kilobytes. Every refusal names the check that failed.
struct DocumentFetcher: Sendable {
    let settings: DocumentSettings
    /// Full certificate verification, always, against the system's roots plus `--cimd-ca-file`; nil only
    /// when TLS cannot be set up at all, and then nothing is fetched.
    let https: PinnedHTTPS?

    /// What a fetch returned: a JSON body within the size limit, and its `Cache-Control`.
    struct Fetched: Sendable {
        let body: Data
        let cacheControl: String?
    }

    init(settings: DocumentSettings) {
        self.settings = settings
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        // A peer that does not answer TLS's close_notify keeps a closed connection open no longer than this.
        tls.shutdownTimeout = .seconds(1)
        if !settings.extraRoots.isEmpty { tls.additionalTrustRoots = [.certificates(settings.extraRoots)] }
        https = (try? NIOSSLContext(configuration: tls)).map(PinnedHTTPS.init)
    }

    /// GET `url` (already checked by `ClientIDURL`: https, a path, no user information, fragment or dot
    /// segments), reading at most `limit` bytes, all within the timeout.
    func fetch(_ url: ClientIDURL, limit: Int) async throws(OAuthError) -> Fetched {
        let outcome = await withTaskGroup(of: Result<Fetched, OAuthError>?.self) { group in
            group.addTask {
                do throws(OAuthError) { return .success(try await fetchWithoutDeadline(url, limit: limit)) } catch { return .failure(error) }
            }
            // §8.6 and MCP: a slow document must not hold the issuer; the whole fetch ends at the deadline.
            group.addTask {
                try? await Task.sleep(for: settings.timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let outcome else { throw refusal(url, "did not answer within \(settings.timeoutText)") }
        return try outcome.get()
    }

    private func fetchWithoutDeadline(_ url: ClientIDURL, limit: Int) async throws(OAuthError) -> Fetched {
        guard let https else { throw OAuthError("server_error", "The issuer cannot make TLS connections.", status: .internalServerError) }
        let addresses = try await checkedAddresses(of: url)
        // Connect only to an address just checked, never to what a second lookup might say: otherwise a
        // name could resolve to a public address for the check and to 127.0.0.1 for the fetch (DNS rebinding).
        var unreachable: OAuthError?
        for address in addresses {
            switch await get(url, at: address, limit: limit, over: https) {
            case .answered(let result): return try result.get()
            case .unreachable(let error): unreachable = error
            }
        }
        throw unreachable ?? refusal(url, "has no address to connect to")
    }

    /// §8.6: every address the host resolves to must be a public one, unless the operator trusts the host;
    /// then private, loopback and link-local addresses are allowed too, and still no other special one.
    func checkedAddresses(of url: ClientIDURL) async throws(OAuthError) -> [IPAddress] {
        let addresses: [IPAddress]
        do throws(HostResolver.Failure) {
            addresses = try await HostResolver.addresses(of: url.host)
        } catch {
            throw refusal(url, "names a host that does not resolve").detailed(error.description)
        }
        for address in addresses {
            switch address.kind {
            case .global:
                continue
            case .local where settings.trusts(url.host):
                continue
            case .local(let range):
                throw refusal(url, "leads to a private, loopback or link-local address, which this issuer does not fetch from")
                    .detailed("\(url.host) is \(address), \(range); if the host is yours, trust it with --cimd-trusted-host")
            case .never(let range):
                throw refusal(url, "leads to an address that is not a public one").detailed("\(url.host) is \(address), \(range)")
            }
        }
        return addresses
    }

    /// How one address answered: a document or a refusal, or no connection (then the next address is tried).
    private enum Attempt {
        case answered(Result<Fetched, OAuthError>)
        case unreachable(OAuthError)
    }

    /// One GET to one address: the TLS certificate is verified for the URL's host, redirects are not
    /// followed (§5), only 200 with a JSON media type is a document, and reading stops at `limit` (§8.7).
    private func get(_ url: ClientIDURL, at address: IPAddress, limit: Int, over https: PinnedHTTPS) async -> Attempt {
        let response: PinnedHTTPS.Response
        do throws(PinnedHTTPS.Failure) {
            response = try await https.get(url, at: address, limit: limit)
        } catch .tooLarge {
            return .answered(.failure(refusal(url, "is larger than \(limit) bytes")))
        } catch .unreachable(let error) {
            return .unreachable(refusal(url, "could not be fetched over https: \(Self.reason(error))").detailed("no connection to \(address): \(error)"))
        } catch {
            return .answered(.failure(refusal(url, "could not be read to its end").detailed("\(error)")))
        }
        if (300..<400).contains(response.status) {
            return .answered(.failure(refusal(url, "answered \(response.status), a redirect; a metadata document is never fetched through one")))
        }
        guard response.status == 200 else { return .answered(.failure(refusal(url, "answered \(response.status) instead of 200 OK"))) }
        let mediaType = response.headers.first(name: "Content-Type").map(Self.mediaType) ?? ""
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) else {
            return .answered(.failure(refusal(url, "answered with Content-Type \(mediaType.isEmpty ? "(none)" : mediaType), not JSON")))
        }
        return .answered(.success(Fetched(body: Data(response.body), cacheControl: response.headers.first(name: "Cache-Control"))))
    }

    private func refusal(_ url: ClientIDURL, _ reason: String) -> OAuthError {
        OAuthError(OAuthError.invalidClient, "The client's metadata document at \(url.host) \(reason).")
    }

    /// A failed connection, said for the client without internals.
    private static func reason(_ error: any Error) -> String {
        switch error {
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError:
            "its TLS certificate is not valid for the host or not from a trusted CA"
        default:
            "no connection"
        }
    }

    private static func mediaType(_ header: String) -> String {
        header.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces).lowercased()
    }
}
