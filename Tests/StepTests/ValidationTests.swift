import Crypto
import CryptoExtras
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport


extension TestClientProtocol {
    /// A legacy `ping` with the given Authorization header values (none, one or several).
    func ping(authorization: [String], uri: String = "/mcp") async throws -> MCPExchange {
        var headers = MCPMessage.jsonHeaders
        for value in authorization { headers.append(HTTPField(name: .authorization, value: value)) }
        return try await post(MCPMessage.request("ping").jsonText, headers: headers, path: uri)
    }
}

@Suite("Validation: bearer tokens on /mcp (Steps 6-7)")
struct ValidationTests {
    @Test("a request without credentials gets 401 with a bare Bearer challenge", arguments: StepUnderTest.authSteps)
    func missingTokenIsChallenged(step: StepUnderTest) async throws {
        try await step.withoutToken { client async throws in
            let exchange = try await client.ping(authorization: [])
            #expect(exchange.status == .unauthorized)
            #expect(exchange.headers[.wwwAuthenticate]?.hasPrefix(#"Bearer realm="mcp""#) == true)
            #expect(exchange.headers[.wwwAuthenticate]?.contains("error=") == false)
        }
    }

    @Test("another scheme, or a token in the query string or body, counts as no credentials", arguments: StepUnderTest.authSteps)
    func tokenOutsideTheHeaderIsIgnored(step: StepUnderTest) async throws {
        let token = TokenForge.valid()
        try await step.withoutToken { client async throws in
            for exchange in [
                try await client.ping(authorization: ["Basic YWxpY2U6c2VjcmV0"]),
                try await client.ping(authorization: ["Bearerx \(token)"]),
                try await client.ping(authorization: ["Bear \(token)"]),
                try await client.ping(authorization: [], uri: "/mcp?access_token=\(token)"),
                try await client.post(#"{"jsonrpc":"2.0","id":1,"method":"ping","access_token":"\#(token)"}"#),
            ] {
                #expect(exchange.status == .unauthorized)
                #expect(exchange.headers[.wwwAuthenticate]?.hasPrefix(#"Bearer realm="mcp""#) == true)
                #expect(exchange.headers[.wwwAuthenticate]?.contains("error=") == false)
            }
        }
    }

    @Test("a valid token is accepted whatever the case of the scheme name", arguments: StepUnderTest.authSteps)
    func schemeIsCaseInsensitive(step: StepUnderTest) async throws {
        let token = TokenForge.valid()
        try await step.withoutToken { client async throws in
            for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
                #expect(try await client.ping(authorization: ["\(scheme) \(token)"]).status == .ok)
            }
        }
    }

    @Test("with a valid token, both eras work and the handshake answers name the signed-in subject", arguments: StepUnderTest.authSteps)
    func validTokenServesBothEras(step: StepUnderTest) async throws {
        try await StepUnderTest.step6.test { client async throws in
            let legacy = try await client.initialize()
            #expect(legacy.result?["instructions"]?.stringValue?.contains("signed in as alice") == true)
            let modern = try await client.modern("server/discover")
            #expect(modern.result?["instructions"]?.stringValue?.contains("signed in as alice") == true)
            let call = try await client.modern("tools/call", params: ["name": "echo", "arguments": ["message": "hi"]], name: "echo")
            #expect(call.result?["structuredContent"]?["echoed"] == "hi")
        }
    }

    @Test("/health and /.well-known/jwks.json stay public", arguments: StepUnderTest.authSteps)
    func publicRoutesNeedNoToken(step: StepUnderTest) async throws {
        try await step.withoutToken { client async throws in
            for uri in ["/health", "/.well-known/jwks.json"] {
                try await client.execute(uri: uri, method: .get) { response in #expect(response.status == .ok) }
            }
        }
    }

    @Test(
        "tokens inside the rules are accepted",
        arguments: StepUnderTest.authSteps, [
            ("expired 10 s ago, within the 60 s leeway", TokenForge.with { $0["exp"] = .int(TokenForge.now() - 10) }),
            ("nbf 30 s ahead, within the leeway", TokenForge.with { $0["nbf"] = .int(TokenForge.now() + 30) }),
            ("aud is an array that contains us", TokenForge.with { $0["aud"] = ["https://other.example/mcp", .string(TokenForge.audience)] }),
            ("exp is a fractional NumericDate", TokenForge.with { $0["exp"] = .double(Double(TokenForge.now()) + 600.5) }),
            ("no nbf and no iat", TokenForge.with { $0["nbf"] = nil; $0["iat"] = nil }),
            ("typ application/at+jwt", TokenForge.with(header: { $0["typ"] = "application/at+jwt" })),
            ("typ in upper case", TokenForge.with(header: { $0["typ"] = "AT+JWT" })),
        ]
    )
    func acceptableTokens(step: StepUnderTest, _ case: (name: String, token: String)) async throws {
        try await step.withoutToken { client async throws in
            #expect(try await client.ping(authorization: ["Bearer \(`case`.token)"]).status == .ok, "\(`case`.name)")
        }
    }

    @Test("typ JWT is refused by default and accepted with --accept-jwt-typ", arguments: StepUnderTest.authSteps)
    func plainJWTTypeNeedsTheFlag(step: StepUnderTest) async throws {
        let token = TokenForge.with(header: { $0["typ"] = "JWT" })
        try await step.withoutToken { client async throws in
            #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .unauthorized)
        }
        try await step.withoutToken(acceptJWTType: true) { client async throws in
            #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .ok)
        }
    }

    @Test("--issuer changes the issuer the server trusts, exactly", arguments: StepUnderTest.authSteps)
    func issuerOptionIsExact(step: StepUnderTest) async throws {
        guard step == .step6 else {
            // From Step 7 on the issuer must really publish its keys (IssuerDiscoveryTests).
            return try await TestIssuer.run(path: "/realms/workshop") { issuer in
                try await step.withoutToken(issuer: issuer.url) { client async throws in
                    #expect(try await client.ping(authorization: ["Bearer \(issuer.token())"]).status == .ok)
                    let trailingSlash = issuer.token { $0["iss"] = .string(issuer.url + "/") }
                    #expect(try await client.ping(authorization: ["Bearer \(trailingSlash)"]).status == .unauthorized)
                    #expect(try await client.ping(authorization: ["Bearer \(TokenForge.valid())"]).status == .unauthorized)
                }
            }
        }
        let token = TokenForge.with { $0["iss"] = "https://login.example.com/realms/workshop" }
        try await step.withoutToken(issuer: "https://login.example.com/realms/workshop") { client async throws in
            #expect(try await client.ping(authorization: ["Bearer \(token)"]).status == .ok)
            #expect(try await client.ping(authorization: ["Bearer \(TokenForge.valid())"]).status == .unauthorized)
        }
    }

    @Test("the audience follows --public-url: a token for the default URL fails behind a public URL", arguments: StepUnderTest.authSteps)
    func audienceFollowsPublicURL(step: StepUnderTest) async throws {
        let options = ServerOptions(port: 9000, publicURL: "https://mcp.example.com", logLevel: .critical)
        let forPublicURL = TokenForge.with { $0["aud"] = "https://mcp.example.com/mcp" }
        try await step.withoutToken(options) { client async throws in
            #expect(try await client.ping(authorization: ["Bearer \(forPublicURL)"]).status == .ok)
            #expect(try await client.ping(authorization: ["Bearer \(TokenForge.valid())"]).status == .unauthorized)
        }
    }
}
