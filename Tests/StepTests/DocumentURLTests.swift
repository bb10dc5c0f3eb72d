import Testing

@testable import WorkshopIssuer

/// What the document fetcher decides before it connects: which addresses lead somewhere a stranger may
/// send the issuer (RFC 6890 and the IANA special-purpose registries), and which client_id URLs it may fetch.
@Suite("Client metadata document URLs and addresses")
struct DocumentURLTests {
    @Test(
        "only global addresses are public; private, loopback and link-local ones are for trusted hosts; the rest never",
        arguments: [
            ("8.8.8.8", "global"), ("172.32.0.1", "global"), ("100.128.0.1", "global"), ("2606:4700::1111", "global"),
            ("10.0.0.1", "local"), ("172.16.5.4", "local"), ("172.31.255.255", "local"), ("192.168.1.1", "local"), ("100.64.0.1", "local"),
            ("127.0.0.1", "local"), ("127.255.0.9", "local"), ("169.254.169.254", "local"), ("::1", "local"), ("fc00::1", "local"),
            ("fd12:3456::1", "local"), ("fe80::1", "local"), ("::ffff:10.0.0.1", "local"), ("::ffff:127.0.0.1", "local"),
            ("64:ff9b::a9fe:a9fe", "local"), ("0.0.0.0", "never"), ("::", "never"), ("224.0.0.1", "never"), ("255.255.255.255", "never"),
            ("192.0.2.10", "never"), ("198.18.0.1", "never"), ("ff02::1", "never"), ("2001:db8::1", "never"), ("2002:7f00:1::", "never"),
            ("2001:0:4136:e378::1", "never"), ("::ffff:224.0.0.1", "never"), ("::7f00:1", "never"),
        ])
    func addressKinds(_ text: String, _ expected: String) throws {
        let address = try #require(IPAddress(text))
        let kind: String
        switch address.kind {
        case .global: kind = "global"
        case .local: kind = "local"
        case .never: kind = "never"
        }
        #expect(kind == expected, "\(text) is \(address.kind)")
    }

    @Test("a client_id URL keeps its text exactly, and its host lowercase for lookup, trust and display")
    func goodURL() throws {
        let url = try ClientIDURL("https://App.Example:8443/oauth/client.json")
        #expect(url.text == "https://App.Example:8443/oauth/client.json")
        #expect(url.host == "app.example" && url.requestHost == "App.Example" && url.port == 8443)
        #expect(try ClientIDURL("https://[::1]/c.json").host == "::1")
        #expect(try ClientIDURL("https://keys.example/jwks?v=2", naming: "jwks_uri", allowQuery: true).host == "keys.example")
    }

    @Test("a client_id is a URL when it starts with http:// or https://, in any case; the issuer's own ids never do")
    func candidates() {
        #expect(ClientIDURL.isCandidate("https://app.example/c.json") && ClientIDURL.isCandidate("HTTP://app.example/c.json"))
        #expect(!ClientIDURL.isCandidate("admin-console") && !ClientIDURL.isCandidate("x9F-_abc") && !ClientIDURL.isCandidate("file:///etc/passwd"))
    }

    @Test(
        "a URL the draft forbids is refused before any lookup",
        arguments: [
            ("https://app.example", "must have a path"), ("https://app.example/", "must have a path"),
            ("https://app.example/./c.json", "must not contain . or .."), ("https://app.example/a/%2e/c.json", "must not contain . or .."),
            ("https://app.example/c.json#x", "must not contain a fragment"), ("https://app.example/c.json#", "must not contain a fragment"),
            ("https://app.example/c.json?x=1", "must not contain a query"), ("https://u@app.example/c.json", "must not contain user information"),
            ("https://app.example:0/c.json", "impossible port"), ("https://exämple.com/c.json", "neither an ASCII domain name"),
            ("ftp://app.example/c.json", "must use https, not ftp"), ("https:///c.json", "has no host"),
            ("https://app.example/" + String(repeating: "a", count: 1100), "is longer than 1024 characters"),
        ])
    func refusedURL(_ text: String, _ says: String) {
        let error = #expect(throws: OAuthError.self) { try ClientIDURL(text) }
        #expect(error?.code == "invalid_client")
        #expect(error?.description.contains(says) == true, "\(error?.description ?? "")")
    }
}
