import ArgumentParser
import Foundation
import Testing
import WorkshopSupport

@Suite("Command-line options and plumbing")
struct OptionsTests {
    @Test("defaults bind 127.0.0.1:9000 and derive the public URL from them")
    func defaults() throws {
        let options = try ServerOptions.parse([])
        #expect(options.host == "127.0.0.1")
        #expect(options.port == 9000)
        #expect(options.baseURL == "http://127.0.0.1:9000")
        #expect(options.logLevel == .info)
    }

    @Test("--public-url is normalised: lowercase scheme and host, no trailing slash")
    func publicURLIsNormalised() throws {
        let options = try ServerOptions.parse(["--public-url", "HTTPS://MCP.Example.com/"])
        #expect(options.baseURL == "https://mcp.example.com")
    }

    @Test(
        "invalid options are refused with a message, not a crash",
        arguments: [
            ["--port", "0"], ["--port", "70000"], ["--port", "abc"], ["--public-url", "mcp.example.com"],
            ["--public-url", "ftp://example.com"], ["--public-url", "https://example.com/?a=1"],
            ["--public-url", "https://example.com/#x"], ["--public-url", "https://example.com/prefix"],
            ["--log-level", "loud"], ["--host", ""],
        ]
    )
    func invalidOptionsAreRefused(arguments: [String]) {
        #expect(throws: (any Error).self) { try ServerOptions.parse(arguments) }
    }

    @Test("an empty --keys-dir is refused with a message, never taken as the current folder", arguments: ["", " ", "\t"])
    func emptyKeysDirIsRefused(value: String) {
        let error = #expect(throws: (any Error).self) { try KeyOptions.parse(["--keys-dir", value]) }
        let message = error.map { KeyOptions.message(for: $0) } ?? ""
        #expect(message.contains("--keys-dir"), "\(message)")
    }

    @Test("--keys-dir names the key folder; without it, keys/ at the repository root")
    func keysDirNamesTheFolder() throws {
        #expect(try KeyOptions.parse(["--keys-dir", "/tmp/some keys"]).files.directory.path == "/tmp/some keys")
        #expect(try KeyOptions.parse([]).files.directory.lastPathComponent == "keys")
    }

    @Test("origins are written as browsers write them: default ports dropped, IPv6 in brackets")
    func originOfURL() {
        #expect(PublicURL.origin(of: "http://127.0.0.1:9000/mcp") == "http://127.0.0.1:9000")
        #expect(PublicURL.origin(of: "https://Example.com:443/x") == "https://example.com")
        #expect(PublicURL.origin(of: "http://[::1]:8080") == "http://[::1]:8080")
        #expect(PublicURL.origin(of: "not a url") == nil)
    }

    @Test("JSON values keep integers as integers and encode with sorted keys")
    func jsonValueRoundTrip() throws {
        let value = try JSONValue(parsing: Data(#"{"b":1,"a":[1.5,true,null,"x"]}"#.utf8))
        #expect(value["b"] == .int(1))
        #expect(value["a"] == [.double(1.5), true, nil, "x"])
        #expect(value.jsonText == #"{"a":[1.5,true,null,"x"],"b":1}"#)
    }
}
