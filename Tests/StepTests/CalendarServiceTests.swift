import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WorkshopSupport

@testable import CalendarService

/// The calendar API of chapter 12: a protected resource with its own audience that reads only tokens
/// meant for it (RFC 8707, RFC 9068 §4) and, when told, only those a named client exchanged (RFC 8693 §4.1).
@Suite("Calendar API: a second protected resource")
struct CalendarServiceTests {
    static let baseURL = "http://127.0.0.1:\(CalendarOptions.defaultPort)"
    static let resource = baseURL + "/calendar"
    static let actor = "workshop-delegation"

    static func settings(allowedActors: [String] = [actor]) -> CalendarSettings {
        CalendarSettings(name: "home", baseURL: baseURL, issuer: WorkshopDefaults.issuer, keys: [TestKeys.pair.publicKey], allowedActors: allowedActors)
    }

    /// What the issuer's token exchange gives the delegation server for alice: this calendar's audience,
    /// calendar:read, and the exchanging client as actor.
    static func exchangedClaims(subject: String = "alice") -> [String: JSONValue] {
        var claims = TokenForge.validClaims(scope: "calendar:read", subject: subject)
        claims["aud"] = .string(resource)
        claims["client_id"] = .string(actor)
        claims["act"] = ["sub": .string(actor)]
        claims["exp"] = .int(TokenForge.now() + 60)
        return claims
    }

    static func token(subject: String = "alice", signer: TokenForge.Signer = .rs256(TestKeys.pair.privateKey), change: (inout [String: JSONValue]) -> Void = { _ in }) -> String {
        var claims = exchangedClaims(subject: subject)
        change(&claims)
        return TokenForge.token(claims: claims, signer: signer)
    }

    struct Reply: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let text: String
        var json: JSONValue { (try? JSONValue(parsing: Data(text.utf8))) ?? .null }
        var challenge: String { headers[.wwwAuthenticate] ?? "" }
    }

    /// The calendar's router in process; `GET path` with `token` as bearer, if any.
    static func get(
        _ token: String?, path: String = "/calendar/events", settings: CalendarSettings = settings(), logger: Logger? = nil
    ) async throws -> Reply {
        let app = Application(router: CalendarService.buildRouter(settings), logger: logger ?? ServerOptions(logLevel: .critical).makeLogger(label: "calendar-tests"))
        return try await app.test(.router) { client in
            let headers: HTTPFields = token.map { [.authorization: "Bearer \($0)"] } ?? [:]
            return try await client.execute(uri: path, method: .get, headers: headers) { response in
                Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
            }
        }
    }

    /// A refusal with 401 `invalid_token` whose description says `reason`, and never the token.
    static func expectInvalidToken(_ token: String, _ reason: String, settings: CalendarSettings = settings(), sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await get(token, settings: settings)
        #expect(reply.status == .unauthorized, sourceLocation: sourceLocation)
        #expect(reply.challenge.contains(#"error="invalid_token""#) && reply.challenge.contains(reason), "\(reply.challenge)", sourceLocation: sourceLocation)
        #expect(reply.challenge.contains(#"resource_metadata="\#(baseURL)/.well-known/oauth-protected-resource/calendar""#), sourceLocation: sourceLocation)
        #expect(reply.json["error"] == "invalid_token" && !reply.text.contains(token), sourceLocation: sourceLocation)
    }

    /// A refusal with a plain 403 (no challenge: no scope would help) whose description says `reason`.
    static func expectNotAllowed(_ token: String, _ reason: String, settings: CalendarSettings = settings(), sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await get(token, settings: settings)
        #expect(reply.status == .forbidden && reply.headers[.wwwAuthenticate] == nil, "\(reply.status) \(reply.challenge)", sourceLocation: sourceLocation)
        #expect(reply.json["error"] == "access_denied", sourceLocation: sourceLocation)
        #expect(reply.json["error_description"]?.stringValue?.contains(reason) == true, "\(reply.text)", sourceLocation: sourceLocation)
    }

    // MARK: Accepted

    @Test("a token the allowed actor exchanged for alice reads alice's events, and says via whom")
    func exchangedTokenReadsTheUsersEvents() async throws {
        let reply = try await Self.get(Self.token())
        #expect(reply.status == .ok)
        #expect(reply.json["calendar"] == "home")
        #expect(reply.json["owner"] == ["issuer": .string(WorkshopDefaults.issuer), "subject": "alice"])
        #expect(reply.json["via"] == .string(Self.actor))
        let titles = reply.json["events"]?.arrayValue?.compactMap { $0["title"]?.stringValue } ?? []
        #expect(titles.contains("Team stand-up") && reply.json["events"]?.arrayValue?.allSatisfy { $0["start"]?.stringValue != nil } == true)
        #expect(reply.headers[.cacheControl] == "no-store")
    }

    @Test("each user reads their own events; a subject the calendar does not know gets none")
    func eventsArePerUser() async throws {
        let alice = try await Self.get(Self.token(subject: "alice")).json["events"]
        let bob = try await Self.get(Self.token(subject: "bob")).json["events"]
        #expect(alice != nil && bob != nil && alice != bob)
        let stranger = try await Self.get(Self.token(subject: "mallory"))
        #expect(stranger.status == .ok && stranger.json["events"] == [])
    }

    @Test("without --allow-actor, a user's own token for the calendar is accepted, via null")
    func ownTokenIsAcceptedWithoutActors() async throws {
        let token = Self.token { $0["act"] = nil; $0["client_id"] = "calendar-app" }
        let reply = try await Self.get(token, settings: Self.settings(allowedActors: []))
        #expect(reply.status == .ok && reply.json["via"] == .null && reply.json["owner"]?["subject"] == "alice")
    }

    @Test("an aud list that holds the calendar is accepted (RFC 7519 §4.1.3)")
    func audienceListIsAccepted() async throws {
        let token = Self.token { $0["aud"] = [.string(WorkshopDefaults.resource), .string(Self.resource)] }
        #expect(try await Self.get(token).status == .ok)
    }

    // MARK: Refused: the token itself (401)

    @Test("no token: 401 with a challenge naming the metadata and the scope, and no error code (RFC 6750 §3.1)")
    func missingTokenIsChallenged() async throws {
        let reply = try await Self.get(nil)
        #expect(reply.status == .unauthorized)
        #expect(reply.challenge.hasPrefix("Bearer ") && !reply.challenge.contains("error="))
        #expect(reply.challenge.contains(#"resource_metadata="\#(Self.baseURL)/.well-known/oauth-protected-resource/calendar""#))
        #expect(reply.challenge.contains(#"scope="calendar:read""#))
    }

    @Test("a token for the MCP server, passed through, is refused with 401 naming the audience")
    func passthroughTokenIsRefused() async throws {
        // What a server that passed its caller's token on would send: valid, signed, and meant for the MCP server.
        let token = Self.token { $0["aud"] = .string(WorkshopDefaults.resource); $0["scope"] = "mcp:read mcp:tools calendar:read" }
        try await Self.expectInvalidToken(token, "for another audience; this calendar is \(Self.resource)")
    }

    @Test("a token without aud is refused with 401")
    func missingAudienceIsRefused() async throws {
        try await Self.expectInvalidToken(Self.token { $0["aud"] = nil }, "another audience")
    }

    @Test("an expired token is refused with 401")
    func expiredTokenIsRefused() async throws {
        try await Self.expectInvalidToken(Self.token { $0["exp"] = .int(TokenForge.now() - 600) }, "expired")
    }

    @Test("a token not valid yet is refused with 401")
    func futureTokenIsRefused() async throws {
        try await Self.expectInvalidToken(Self.token { $0["nbf"] = .int(TokenForge.now() + 600) }, "not valid yet")
    }

    @Test("a token signed with another key is refused with 401")
    func badSignatureIsRefused() async throws {
        try await Self.expectInvalidToken(Self.token(signer: .rs256(TestKeys.attacker)), "signature does not verify")
    }

    @Test("a token whose claims were changed after signing is refused with 401")
    func tamperedTokenIsRefused() async throws {
        let parts = Self.token(subject: "alice").split(separator: ".")
        let forged = Base64URL.encode(JSONValue.object(Self.exchangedClaims(subject: "bob")).encoded())
        try await Self.expectInvalidToken("\(parts[0]).\(forged).\(parts[2])", "signature does not verify")
    }

    @Test("a token from another issuer, even signed with the trusted key, is refused with 401")
    func otherIssuerIsRefused() async throws {
        try await Self.expectInvalidToken(Self.token { $0["iss"] = "http://127.0.0.1:9002" }, "issuer this calendar does not trust")
    }

    @Test("a token that is not an RS256 at+jwt is refused with 401", arguments: ["JWT", "typ missing", "HS256", "none", "crit"])
    func otherTokenKindsAreRefused(kind: String) async throws {
        var header = TokenForge.validHeader
        var signer = TokenForge.Signer.rs256(TestKeys.pair.privateKey)
        switch kind {
        case "JWT": header["typ"] = "JWT"
        case "typ missing": header["typ"] = nil
        case "HS256": header["alg"] = "HS256"; signer = .hs256(Data(TestKeys.pair.publicKey.pemRepresentation.utf8))
        case "none": header["alg"] = "none"; signer = .unsigned
        default: header["crit"] = ["exp"]
        }
        let token = TokenForge.token(header: header, claims: Self.exchangedClaims(), signer: signer)
        let reason = kind == "none" ? "not a well-formed signed JWT" : "not an RS256 access token of type at+jwt"
        try await Self.expectInvalidToken(token, reason)
    }

    // MARK: Refused: a valid token this calendar does not serve (403)

    @Test("a token without calendar:read is refused with 403 insufficient_scope naming it")
    func missingScopeIsRefused() async throws {
        let reply = try await Self.get(Self.token { $0["scope"] = "mcp:read" })
        #expect(reply.status == .forbidden && reply.json["error"] == "insufficient_scope")
        #expect(reply.challenge.contains(#"error="insufficient_scope""#) && reply.challenge.contains(#"scope="calendar:read""#))
    }

    @Test("with --allow-actor, a token without act is refused with 403")
    func missingActorIsRefused() async throws {
        try await Self.expectNotAllowed(Self.token { $0["act"] = nil; $0["client_id"] = "calendar-app" }, "this one has no act")
    }

    @Test("with --allow-actor, a token another client exchanged is refused with 403")
    func otherActorIsRefused() async throws {
        try await Self.expectNotAllowed(Self.token { $0["act"] = ["sub": "some-other-server"] }, "this one's actor is another")
        // Only the current actor counts; an allowed client among the prior ones does not (RFC 8693 §4.1).
        let nested = Self.token { $0["act"] = ["sub": "some-other-server", "act": .object(["sub": .string(Self.actor)])] }
        try await Self.expectNotAllowed(nested, "this one's actor is another")
        try await Self.expectNotAllowed(Self.token { $0["act"] = .string(Self.actor) }, "this one's actor is another")
    }

    @Test("without --allow-actor, a token carrying act is refused with 403")
    func actorRefusedWhenNoneAllowed() async throws {
        try await Self.expectNotAllowed(Self.token(), "accepts no delegated tokens", settings: Self.settings(allowedActors: []))
    }

    @Test("a client acting on its own behalf (sub is its client_id) has no calendar: 403")
    func machineCallerIsRefused() async throws {
        let token = Self.token(subject: "calendar-sync") { $0["act"] = nil; $0["client_id"] = "calendar-sync" }
        try await Self.expectNotAllowed(token, "acting on its own behalf", settings: Self.settings(allowedActors: []))
    }

    @Test("the actor is checked before the scope: a scope would not help a token this calendar never serves")
    func actorBeforeScope() async throws {
        let token = Self.token { $0["act"] = ["sub": "some-other-server"]; $0["scope"] = "mcp:read" }
        try await Self.expectNotAllowed(token, "actor is another")
    }

    // MARK: Discovery, health, logs

    @Test("the RFC 9728 document names the resource, the issuer and calendar:read")
    func metadataDescribesTheCalendar() async throws {
        let reply = try await Self.get(nil, path: "/.well-known/oauth-protected-resource/calendar")
        #expect(reply.status == .ok)
        #expect(reply.json["resource"] == .string(Self.resource))
        #expect(reply.json["authorization_servers"] == [.string(WorkshopDefaults.issuer)])
        #expect(reply.json["scopes_supported"] == ["calendar:read"] && reply.json["bearer_methods_supported"] == ["header"])
    }

    @Test("the log says why a token was refused, and never holds a token")
    func logNamesReasonsNotTokens() async throws {
        let capture = LogCapture()
        let refused = Self.token { $0["aud"] = .string(WorkshopDefaults.resource) }
        let accepted = Self.token()
        _ = try await Self.get(refused, logger: capture.logger)
        _ = try await Self.get(accepted, logger: capture.logger)
        #expect(capture.lines.contains { $0.hasPrefix("info") && $0.contains("401: token refused") && $0.contains(WorkshopDefaults.resource) }, "\(capture.lines)")
        #expect(capture.lines.contains { $0.contains("Events read") && $0.contains("act=\(Self.actor)") }, "\(capture.lines)")
        #expect(!capture.lines.contains { $0.contains(refused) || $0.contains(accepted) })
    }

    // MARK: The application as CalendarAPI runs it

    @Test("CalendarAPI's application answers over real HTTP with the key from --keys-dir")
    func applicationServesOverHTTP() async throws {
        let port = try OnlineIssuer.freePort()
        let keys = try TestKeys.publicPEMOnly()
        let options = try CalendarOptions.parse([
            "--port", "\(port)", "--keys-dir", keys.directory.path, "--allow-actor", Self.actor, "--name", "partner", "--log-level", "critical",
        ])
        let app = try CalendarService.buildApplication(options)
        let base = "http://127.0.0.1:\(port)"
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            var health: HTTPClientResponse?
            for _ in 0..<100 where health == nil {
                health = try? await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/health"), timeout: .seconds(2))
                if health == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(health?.status == .ok)
            var request = HTTPClientRequest(url: base + "/calendar/events")
            request.headers.add(name: "Authorization", value: "Bearer " + Self.token { $0["aud"] = .string(base + "/calendar") })
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            let body = try JSONValue(parsing: Data(try await response.body.collect(upTo: 1 << 16).readableBytesView))
            #expect(response.status == .ok && body["calendar"] == "partner" && body["via"] == .string(Self.actor))
        }
    }

    @Test("without a public key in --keys-dir CalendarAPI does not start, and says how to make one")
    func missingKeysAreExplained() throws {
        let empty = TestKeys.emptyFolder()
        let options = try CalendarOptions.parse(["--keys-dir", empty.directory.path])
        let error = #expect(throws: WorkshopKeyPair.FileError.self) { try CalendarService.buildApplication(options) }
        #expect(error?.description.contains("swift run generate_token keys --keys-dir \(empty.directory.path)") == true, "\(String(describing: error))")
    }

    @Test("a port already in use is said for a person")
    func busyPortIsExplained() async throws {
        try await withBusyPort { port in
            let options = try CalendarOptions.parse(["--port", "\(port)", "--keys-dir", TestKeys.files.directory.path, "--log-level", "critical"])
            let error = await #expect(throws: (any Error).self) { try await CalendarService.buildApplication(options).runService() }
            let failure = try #require(error.flatMap { ListenFailure($0, options: options.server, command: "CalendarAPI") })
            #expect(failure.description.hasPrefix("127.0.0.1:\(port) is already in use"))
        }
    }

    @Test("options: defaults, and values that cannot work are refused with a message")
    func optionsAreValidated() throws {
        let defaults = try CalendarOptions.parse([])
        #expect(defaults.server.port == 9100 && defaults.issuer == WorkshopDefaults.issuer && defaults.allowedActors.isEmpty)
        for arguments in [["--allow-actor", ""], ["--keys-dir", ""], ["--issuer", "not a url"], ["--name", ""], ["--port", "0"]] {
            #expect(throws: (any Error).self, "\(arguments)") { try CalendarOptions.parse(arguments) }
        }
    }
}
