import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@Suite("tools/call and prompts/get (Steps 4-6)")
struct DispatchTests {

    @Test("echo repeats the message and returns structured content matching its output schema, in both eras", arguments: StepUnderTest.dispatchSteps)
    func echoReturnsStructuredContent(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let params: [String: JSONValue] = ["name": "echo", "arguments": ["message": "hi", "repeat_count": 2]]
            for exchange in [
                try await client.legacy("tools/call", params: params),
                try await client.modern("tools/call", params: params, name: "echo"),
            ] {
                let result = try #require(exchange.result)
                #expect(result["isError"] == false)
                #expect(result["structuredContent"] == ["echoed": "hi hi", "repeat_count": 2])
                let text = try #require(result["content"]?.arrayValue?.first?["text"]?.stringValue)
                #expect(try JSONValue(parsing: Data(text.utf8)) == result["structuredContent"])
            }
        }
    }

    @Test("echo repeats once by default", arguments: StepUnderTest.dispatchSteps)
    func echoDefaultsToOnce(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let exchange = try await client.legacy("tools/call", params: ["name": "echo", "arguments": ["message": "hello"]])
            #expect(exchange.result?["structuredContent"]?["echoed"] == "hello")
        }
    }

    @Test(
        "bad arguments are a tool error in the result (isError true), not a protocol error",
        arguments: StepUnderTest.dispatchSteps, [
            ["repeat_count": 2] as JSONValue, ["message": ""], ["message": 5], ["message": "hi", "repeat_count": 0],
            ["message": "hi", "repeat_count": 11], ["message": "hi", "repeat_count": "2"], ["message": "hi", "repeat_count": 1.5],
            ["message": "hi", "extra": true], ["message": .string(String(repeating: "x", count: 1001))], "not-an-object", [1, 2],
        ]
    )
    func badArgumentsAreToolErrors(step: StepUnderTest, arguments: JSONValue) async throws {
        try await step.test { client async throws in
            let exchange = try await client.legacy("tools/call", params: ["name": "echo", "arguments": arguments])
            #expect(exchange.status == .ok)
            #expect(exchange.json?["error"] == nil)
            #expect(exchange.result?["isError"] == true)
            #expect(exchange.result?["content"]?.arrayValue?.first?["text"]?.stringValue?.isEmpty == false)
            #expect(exchange.result?["structuredContent"] == nil)
        }
    }

    @Test("an unknown tool, or no tool name, is invalid params (-32602)", arguments: StepUnderTest.dispatchSteps)
    func unknownToolIsInvalidParams(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            #expect(try await client.legacy("tools/call", params: ["name": "rm_rf"]).errorCode == -32602)
            #expect(try await client.legacy("tools/call", params: ["arguments": [:]]).errorCode == -32602)
            #expect(try await client.legacy("tools/call", params: ["name": 7]).errorCode == -32602)
            #expect(try await client.modern("tools/call", params: ["name": "rm_rf"], name: "rm_rf").errorCode == -32602)
        }
    }

    @Test("get_time answers in the named IANA zone, and in UTC by default", arguments: StepUnderTest.dispatchSteps)
    func getTimeUsesZone(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let paris = try await client.legacy("tools/call", params: ["name": "get_time", "arguments": ["timezone": "Europe/Paris"]])
            let structured = try #require(paris.result?["structuredContent"])
            #expect(structured["timezone"] == "Europe/Paris")
            #expect(structured["iso8601"]?.stringValue?.hasSuffix("+01:00") == true || structured["iso8601"]?.stringValue?.hasSuffix("+02:00") == true)
            let now = Int(Date().timeIntervalSince1970)
            #expect(abs((structured["unix_time"]?.intValue ?? 0) - now) < 60)
            let utc = try await client.legacy("tools/call", params: ["name": "get_time"])
            #expect(utc.result?["structuredContent"]?["timezone"] == "UTC")
            #expect(utc.result?["structuredContent"]?["iso8601"]?.stringValue?.hasSuffix("Z") == true)
        }
    }

    @Test("get_time with an unknown or non-IANA zone is a tool error", arguments: StepUnderTest.dispatchSteps, ["Mars/Olympus", "", "EST", "../../etc/passwd"])
    func getTimeRejectsBadZone(step: StepUnderTest, zone: String) async throws {
        try await step.test { client async throws in
            let exchange = try await client.legacy("tools/call", params: ["name": "get_time", "arguments": ["timezone": .string(zone)]])
            #expect(exchange.result?["isError"] == true)
        }
    }

    @Test("prompts/get greeting renders a user message naming the person, in both eras", arguments: StepUnderTest.dispatchSteps)
    func greetingNamesPerson(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let params: [String: JSONValue] = ["name": "greeting", "arguments": ["name": "Ada"]]
            for exchange in [
                try await client.legacy("prompts/get", params: params),
                try await client.modern("prompts/get", params: params, name: "greeting"),
            ] {
                let message = try #require(exchange.result?["messages"]?.arrayValue?.first)
                #expect(message["role"] == "user")
                #expect(message["content"]?["type"] == "text")
                #expect(message["content"]?["text"]?.stringValue?.contains("Ada") == true)
            }
        }
    }

    @Test("prompts/get help needs no arguments", arguments: StepUnderTest.dispatchSteps)
    func helpNeedsNoArguments(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let exchange = try await client.legacy("prompts/get", params: ["name": "help"])
            #expect(exchange.result?["messages"]?.arrayValue?.count == 1)
        }
    }

    @Test("prompts/get help names every tool and prompt the caller can list", arguments: StepUnderTest.dispatchSteps)
    func helpNamesWhatIsOffered(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            let help = try await client.legacy("prompts/get", params: ["name": "help"])
            let text = help.result?["messages"]?.arrayValue?.first?["content"]?["text"]?.stringValue ?? ""
            for list in ["tools", "prompts"] {
                let names = try await client.legacy("\(list)/list").result?[list]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                #expect(!names.isEmpty)
                for name in names { #expect(text.contains(name), "\(name) is missing from: \(text)") }
            }
        }
    }

    @Test(
        "an unknown prompt, a missing or blank name, or non-string arguments are invalid params (-32602)",
        arguments: StepUnderTest.dispatchSteps, [
            ["name": "nope"] as JSONValue, ["name": "greeting"], ["name": "greeting", "arguments": ["name": "  "]],
            ["name": "greeting", "arguments": ["name": 42]], ["name": "greeting", "arguments": "Ada"], ["arguments": [:]],
        ]
    )
    func badPromptRequestsAreInvalidParams(step: StepUnderTest, params: JSONValue) async throws {
        try await step.test { client async throws in
            let exchange = try await client.legacy("prompts/get", params: params.objectValue ?? [:])
            #expect(exchange.errorCode == -32602)
        }
    }
}
