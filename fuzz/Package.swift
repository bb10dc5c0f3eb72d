// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets for Step 9. A package of its own, so that the workshop's `swift build` and
/// `swift test` never compile a fuzzer. The Step 9 and WorkshopSupport targets are symbolic links to
/// the workshop's own source folders: the fuzzers always build exactly the code the workshop ships.
/// Build only with `fuzz/run.sh`, which adds `-sanitize=fuzzer,address`: the targets need libFuzzer.
let package = Package(
    name: "mcp-auth-workshop-fuzz",
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
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
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
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            exclude: ["README.md"]
        ),
        // Step 9's sources as a library: its @main lives in App.swift, and each fuzz target has its own main.
        .target(
            name: "Step9",
            dependencies: [
                "WorkshopSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            exclude: ["App.swift"],
            // The harnesses reach the step's internal types with `@testable import`, as the tests do.
            swiftSettings: [.unsafeFlags(["-enable-testing"])]
        ),
        // libFuzzer's driver, declared for Swift.
        .target(name: "CLibFuzzer"),
        // What both harnesses share; the seed formats are the files the regression tests read them with.
        .target(
            name: "FuzzSupport",
            dependencies: [
                "CLibFuzzer", "WorkshopSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: [.unsafeFlags(["-enable-testing"])]
        ),
        .executableTarget(
            name: "FuzzRequest",
            dependencies: [
                "Step9", "FuzzSupport", "WorkshopSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ]
        ),
        .executableTarget(
            name: "FuzzToken",
            dependencies: [
                "Step9", "FuzzSupport", "WorkshopSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
    ]
)
