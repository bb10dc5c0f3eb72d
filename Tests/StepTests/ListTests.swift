import Hummingbird
import HummingbirdTesting
import Testing
import WorkshopSupport

@Suite("Tools and prompts lists (Steps 3-6)")
struct ListTests {
    @Test("capabilities advertise tools and prompts in both eras", arguments: StepUnderTest.listingSteps)
    func capabilitiesAdvertiseToolsAndPrompts(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            for exchange in [try await client.initialize(), try await client.modern("server/discover")] {
                #expect(exchange.result?["capabilities"]?["tools"]?.objectValue != nil)
                #expect(exchange.result?["capabilities"]?["prompts"]?.objectValue != nil)
            }
        }
    }

    @Test("Step 2 advertises no tools or prompts and does not know tools/list")
    func stepTwoHasNoLists() async throws {
        try await StepUnderTest.step2.test { client async throws in
            #expect(try await client.initialize().result?["capabilities"] == [:])
            #expect(try await client.modern("tools/list").errorCode == -32601)
        }
    }

    @Test("tools/list describes echo and get_time fully, in both eras", arguments: StepUnderTest.listingSteps)
    func toolsListDescribesTools(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            for exchange in [try await client.legacy("tools/list"), try await client.modern("tools/list")] {
                let tools = try #require(exchange.result?["tools"]?.arrayValue)
                let names = tools.compactMap { $0["name"]?.stringValue }
                #expect(Array(names.prefix(2)) == ["echo", "get_time"])
                #expect(names.count == (step.rawValue >= 9 ? 7 : 2))
                for tool in tools {
                    #expect(tool["title"]?.stringValue?.isEmpty == false)
                    #expect(tool["description"]?.stringValue?.isEmpty == false)
                    #expect(tool["inputSchema"]?["type"] == "object")
                    #expect(tool["inputSchema"]?["additionalProperties"] == false)
                    #expect(tool["outputSchema"]?["type"] == "object")
                    #expect(tool["annotations"]?["readOnlyHint"]?.boolValue != nil)
                }
                let echo = tools[0]
                #expect(echo["inputSchema"]?["required"] == ["message"])
                #expect(echo["inputSchema"]?["properties"]?["repeat_count"]?["maximum"] == 10)
            }
        }
    }

    @Test("prompts/list describes greeting and help, in both eras", arguments: StepUnderTest.listingSteps)
    func promptsListDescribesPrompts(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            for exchange in [try await client.legacy("prompts/list"), try await client.modern("prompts/list")] {
                let prompts = try #require(exchange.result?["prompts"]?.arrayValue)
                #expect(prompts.compactMap { $0["name"]?.stringValue } == ["greeting", "help"])
                #expect(prompts[0]["arguments"]?.arrayValue?.first?["name"] == "name")
                #expect(prompts[0]["arguments"]?.arrayValue?.first?["required"] == true)
            }
        }
    }

    @Test("modern lists carry resultType, ttlMs and cacheScope; legacy lists do not", arguments: StepUnderTest.listingSteps)
    func modernListsCarryCachingHints(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            for method in ["tools/list", "prompts/list"] {
                let modern = try #require(try await client.modern(method).result)
                #expect(modern["resultType"] == "complete")
                #expect((modern["ttlMs"]?.intValue ?? -1) >= 0)
                // From Step 8 on, a list depends on who asks.
                #expect(modern["cacheScope"] == (step.rawValue >= 8 ? "private" : "public"))
                let legacy = try #require(try await client.legacy(method).result)
                #expect(legacy["resultType"] == nil)
                #expect(legacy["ttlMs"] == nil)
                #expect(legacy["nextCursor"] == nil)
            }
        }
    }

    @Test("an unknown cursor is invalid params; the empty cursor is the first page", arguments: StepUnderTest.listingSteps)
    func cursorRules(step: StepUnderTest) async throws {
        try await step.test { client async throws in
            #expect(try await client.legacy("tools/list", params: ["cursor": "page-2"]).errorCode == -32602)
            #expect(try await client.modern("prompts/list", params: ["cursor": "page-2"]).errorCode == -32602)
            #expect(try await client.modern("tools/list", params: ["cursor": ""]).result?["tools"] != nil)
        }
    }

    @Test("Step 3 does not run tools or render prompts yet")
    func stepThreeHasNoDispatch() async throws {
        try await StepUnderTest.step3.test { client async throws in
            #expect(try await client.legacy("tools/call", params: ["name": "echo"]).errorCode == -32601)
            #expect(try await client.modern("prompts/get", params: ["name": "help"], name: "help").status == .notFound)
        }
    }
}
