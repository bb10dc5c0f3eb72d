import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
import WorkshopSupport

@testable import Step1
@testable import Step2
@testable import Step3
@testable import Step4
@testable import Step5
@testable import Step6
@testable import Step7
@testable import Step8
@testable import Step9

/// A port some other program already listens on, held for as long as `body` runs.
func withBusyPort<Value>(_ body: (Int) async throws -> Value) async throws -> Value {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    do {
        let value = try await body(channel.localAddress!.port!)
        try await channel.close()
        return value
    } catch {
        try? await channel.close()
        throw error
    }
}

/// A step's built binary, run as an attendee runs it, stopped if it is still running after `timeout`.
struct StepRun {
    let status: Int32
    let stderr: String
    let stoppedByTest: Bool

    static func run(_ step: StepUnderTest, _ arguments: [String], timeout: Duration = .seconds(20)) throws -> StepRun {
        let process = Process()
        // The test bundle sits beside the products it depends on.
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("Step\(step.rawValue)")
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let stoppedByTest = process.isRunning
        if stoppedByTest { process.terminate() }
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return StepRun(status: process.terminationStatus, stderr: stderr, stoppedByTest: stoppedByTest)
    }

    /// What a step needs besides the port to get as far as listening.
    static func arguments(for step: StepUnderTest, port: Int) -> [String] {
        var arguments = ["--port", "\(port)"]
        if step.rawValue >= 5 { arguments += ["--keys-dir", TestKeys.files.directory.path] }
        if step.rawValue >= 9 { arguments += ["--data-dir", TestKeys.emptyFolder().directory.path] }
        return arguments
    }
}

@Suite("A port already in use (every step)")
struct ListenFailureTests {
    @Test("the error names the address and says how to choose another port", arguments: StepUnderTest.allCases)
    func busyPortIsExplained(step: StepUnderTest) async throws {
        try await withBusyPort { port in
            let options = ServerOptions(port: port, logLevel: .critical)
            let error = await #expect(throws: (any Error).self) { try await step.runService(options) }
            let failure = try #require(error.flatMap { ListenFailure($0, options: options, command: "Step\(step.rawValue)") })
            #expect(failure.description.hasPrefix("127.0.0.1:\(port) is already in use"))
            #expect(failure.description.contains("choose another port, e.g. swift run Step\(step.rawValue) --port 9010"))
        }
    }

    @Test("another error is left as it is")
    func otherErrorsAreNotExplained() {
        struct Other: Error {}
        #expect(ListenFailure(Other(), options: ServerOptions(port: 9000), command: "Step1") == nil)
        #expect(ListenFailure(IOError(errnoCode: ENOENT, reason: "open"), options: ServerOptions(port: 9000), command: "Step1") == nil)
    }

    @Test("the built step says so and exits with status 1, without a raw errno", arguments: StepUnderTest.allCases)
    func builtStepExplainsBusyPort(step: StepUnderTest) async throws {
        try await withBusyPort { port in
            let run = try StepRun.run(step, StepRun.arguments(for: step, port: port))
            #expect(!run.stoppedByTest, "Step\(step.rawValue) kept running on a busy port")
            #expect(run.status == 1)
            #expect(run.stderr.contains("Error: 127.0.0.1:\(port) is already in use"), "\(run.stderr)")
            #expect(run.stderr.contains("--port"))
            #expect(!run.stderr.contains("errno"), "\(run.stderr)")
        }
    }
}

extension StepUnderTest {
    /// Runs the step's application as `App.run()` does, until it stops or fails.
    func runService(_ options: ServerOptions) async throws {
        switch self {
        case .step1: try await Step1.buildApplication(options).runService(gracefulShutdownSignals: [])
        case .step2: try await Step2.buildApplication(options, origins: .init(allowOrigin: [])).runService(gracefulShutdownSignals: [])
        case .step3: try await Step3.buildApplication(options, origins: .init(allowOrigin: [])).runService(gracefulShutdownSignals: [])
        case .step4: try await Step4.buildApplication(options, origins: .init(allowOrigin: [])).runService(gracefulShutdownSignals: [])
        case .step5:
            try await Step5.buildApplication(options, origins: .init(allowOrigin: []), keyFiles: TestKeys.files)
                .runService(gracefulShutdownSignals: [])
        case .step6:
            try await Step6.buildApplication(
                options, origins: .init(allowOrigin: []), keyFiles: TestKeys.files, auth: try .init(issuer: WorkshopDefaults.issuer)
            ).runService(gracefulShutdownSignals: [])
        case .step7:
            try await Step7.buildApplication(
                options, origins: .init(allowOrigin: []), keyFiles: TestKeys.files, auth: try .init(issuer: WorkshopDefaults.issuer)
            ).runService(gracefulShutdownSignals: [])
        case .step8:
            try await Step8.buildApplication(
                options, origins: .init(allowOrigin: []), keyFiles: TestKeys.files, auth: try .init(issuer: WorkshopDefaults.issuer)
            ).runService(gracefulShutdownSignals: [])
        case .step9:
            try await Step9.buildApplication(
                options, origins: .init(allowOrigin: []), keyFiles: TestKeys.files, auth: try .init(issuer: WorkshopDefaults.issuer),
                data: .init(dataDirectory: TestKeys.emptyFolder().directory.path)
            ).runService(gracefulShutdownSignals: [])
        }
    }
}
