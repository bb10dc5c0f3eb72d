import Foundation
import Hummingbird
import WorkshopSupport

/// The Streamable HTTP endpoint: one JSON-RPC message per POST, one JSON answer (MCP basic/transports).
struct MCPEndpoint: Sendable {
    static let maxBodySize = 1 << 20

    let server: MCPServer
    let policy: AccessPolicy
    let transport: TransportGuard
    /// Where a 403 challenge sends the client to learn about scopes.
    let metadataURL: String

    func addRoutes(to router: some RouterMethods<MCPRequestContext>, path: RouterPath = "/mcp") {
        router.post(path) { request, context in await self.post(request, context: context) }
        // 2026-07-28 has no GET stream, and this server keeps no sessions to DELETE. A browser's
        // preflight OPTIONS never gets here: OriginMiddleware answers it.
        for method in [HTTPRequest.Method.get, .delete, .put, .patch, .options] {
            router.on(path, method: method) { _, _ in self.notAllowed() }
        }
    }

    func post(_ request: Request, context: MCPRequestContext) async -> Response {
        var id: JSONValue? = nil
        var logger = context.logger
        logger[metadataKey: "sub"] = "\(context.token?.subject ?? "-")"
        do throws(JSONRPCError) {
            try transport.checkContentNegotiation(request.headers)
            let message = try await readMessage(request)
            id = message.id
            if message.isNotification { return Response(status: .accepted) }
            let era = try EraCheck.era(of: message, headers: request.headers)
            logger.debug("mcp request", metadata: ["method": "\(message.method)", "era": "\(era)"])
            let required = AccessPolicy.requiredScopes(for: message)
            if let refusal = policy.refusal(of: context.token, for: required) {
                logger.info("403: \(refusal)", metadata: ["method": "\(message.method)", "needs": "\(required)"])
                return ScopeChallenge(requiredScopes: required, metadataURL: metadataURL, refusal: refusal).response(id: message.id)
            }
            let result = try await server.handle(message, era: era, caller: context.token, logger: logger)
            return Self.json(JSONRPCResponse.result(result, id: message.id ?? .null))
        } catch {
            logger.debug("mcp error", metadata: ["code": "\(error.code)", "reason": "\(error.message)"])
            return Self.json(JSONRPCResponse.error(error, id: id), status: error.status)
        }
    }

    func notAllowed() -> Response {
        let error = JSONRPCError.invalidRequest("Use POST for MCP messages", status: .methodNotAllowed)
        var response = Self.json(JSONRPCResponse.error(error, id: nil), status: error.status)
        response.headers[.allow] = "POST"
        return response
    }

    /// Reads at most 1 MiB (413 beyond) and parses one JSON-RPC message from it.
    func readMessage(_ request: Request) async throws(JSONRPCError) -> JSONRPCRequest {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maxBodySize)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw .invalidRequest("Body larger than \(Self.maxBodySize) bytes", status: .contentTooLarge)
        } catch {
            throw .invalidRequest("Could not read the request body")
        }
        guard let json = try? JSONValue(parsing: Data(body.readableBytesView)) else {
            throw .parseError("Body is not valid JSON")
        }
        return try JSONRPCRequest(from: json)
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.encoded()))
        )
    }
}
