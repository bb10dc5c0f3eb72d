// swift-tools-version:6.1
import PackageDescription

/// MCP Authorization, Step by Step: nine cumulative servers, a token desk, and their tests.
let package = Package(
    name: "mcp-auth-workshop",
    platforms: [.macOS(.v14)],
    dependencies: [
        // One trait only: SwiftPM 6.3 writes enabled traits as -D flags in no fixed order, and two of them
        // change the compile command at random between builds, so Hummingbird recompiled without cause.
        // Nothing here uses ConfigurationSupport (swift-configuration); FullFoundation is kept as it was.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
    ],
    targets: [
        .target(
            name: "WorkshopSupport",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),  // StepCommand runs Swift concurrency on its event loops
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            exclude: ["README.md"]
        ),
        step(1),
        step(2),
        step(3),
        step(4),
        step(5),
        step(6),
        step(7),
        step(8),
        step(9),
        // Step 9 plus one capability (chapter 12): calling other APIs for the user without passing their token on.
        step(9, name: "Delegation"),
        .target(
            name: "CalendarService",  // a second protected resource with its own audience, for the delegation chapter
            dependencies: [
                "WorkshopSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "CalendarAPI",  // the command line in front of CalendarService
            dependencies: [
                "WorkshopSupport", "CalendarService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .target(
            name: "WorkshopIssuer",  // the token desk and the OAuth 2.1 authorization server of `generate_token serve`
            dependencies: [
                "WorkshopSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                // Client ID Metadata Documents: fetched over verified TLS, from the very address that was checked.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "generate_token",  // the command line in front of WorkshopIssuer
            dependencies: [
                "WorkshopSupport", "WorkshopIssuer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "generate_token"
        ),
        .testTarget(
            name: "StepTests",
            dependencies: [
                "WorkshopSupport", "Step1", "Step2", "Step3", "Step4", "Step5", "Step6", "Step7", "Step8", "Step9", "WorkshopIssuer",
                "Delegation", "CalendarService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),  // a listening socket that holds a port
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                // Metadata documents served over HTTPS by a CA made for each test run.
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        .testTarget(
            name: "InteropTests",
            dependencies: [
                "WorkshopSupport", "Step2", "Step3", "Step4", "Step5", "Step6", "Step8", "Step9",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
    ]
)

/// Every step is a complete server of its own: it depends on the plumbing, never on another step.
/// A server named otherwise is built as step `number` is, plus what its own lesson adds.
func step(_ number: Int, name: String? = nil) -> Target {
    .executableTarget(
        name: name ?? "Step\(number)",
        dependencies: [
            "WorkshopSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CryptoExtras", package: "swift-crypto"),
        ]
            + (number >= 7 ? [.product(name: "AsyncHTTPClient", package: "async-http-client")] : [])  // fetches issuer metadata and keys
            + (number >= 9 ? [.product(name: "SQLiteNIO", package: "sqlite-nio")] : [])  // keeps the notes
    )
}
