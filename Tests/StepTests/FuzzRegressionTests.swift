import Hummingbird
import Testing

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
}
