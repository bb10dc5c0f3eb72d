import HTTPTypes
import Hummingbird
import Testing

@testable import Step6
@testable import Step7
@testable import Step8
@testable import Step9

/// The fuzz targets' committed seeds, replayed through Step 9 in process, and every input a fuzzer
/// found that once broke the server, each named for the behaviour it now has (fuzz/README.md).
@Suite("Fuzz seeds and regressions (Step 9)")
struct FuzzRegressionTests {
    @Test("every request seed is answered without a server error", arguments: FuzzReplay.seedNames("request"))
    func requestSeed(_ name: String) async throws {
        let exchange = try await FuzzReplay.request(try FuzzReplay.seed("request", name))
        #expect(exchange.status.code < 500, "\(exchange.status): \(exchange.text)")
    }

    @Test("every token seed is answered without a server error, a forged token with 401", arguments: FuzzReplay.seedNames("token"))
    func tokenSeed(_ name: String) async throws {
        let (exchange, forged) = try await FuzzReplay.token(try FuzzReplay.seed("token", name))
        #expect(exchange.status.code < 500, "\(exchange.status): \(exchange.text)")
        if forged { #expect(exchange.status == .unauthorized) }
    }

    // Found by the token target: "=" is b64token's padding, so it may only end a token (RFC 6750 §2.1).
    @Test("a bearer token with \"=\" inside it, not only at its end, is malformed and refused with 401")
    func paddingInsideTokenIsMalformed() async throws {
        let input = Array("Bearer ab=c".utf8)
        let headers: HTTPFields = [.authorization: "Bearer ab=c"]
        #expect(Step6.BearerCredentials(headers) == .malformed("bearer token has characters outside RFC 6750's b64token"))
        #expect(Step7.BearerCredentials(headers) == .malformed("bearer token has characters outside RFC 6750's b64token"))
        #expect(Step8.BearerCredentials(headers) == .malformed("bearer token has characters outside RFC 6750's b64token"))
        #expect(Step9.BearerCredentials(headers) == .malformed("bearer token has characters outside RFC 6750's b64token"))
        #expect(Step9.BearerCredentials([.authorization: "Bearer abc=="]) == .token("abc=="))
        let (exchange, _) = try await FuzzReplay.token(input)
        #expect(exchange.status == .unauthorized)
        #expect(exchange.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
    }
}
