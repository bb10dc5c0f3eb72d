import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One HTTPS GET to an address chosen in advance, for `DocumentFetcher`: the connection goes to that
/// address and no other, TLS verifies the certificate for the URL's host and sends it as SNI, and the body
/// is read up to a limit and not a byte further. One TLS context serves every fetch, so the trust roots
/// are loaded once. Plumbing: what is checked, and why, is in `DocumentFetcher`.
struct PinnedHTTPS: Sendable {
    let context: NIOSSLContext

    struct Response: Sendable {
        let status: UInt
        let headers: HTTPHeaders
        let body: [UInt8]
    }

    enum Failure: Error {
        /// No connection, or no TLS session: another address may do better.
        case unreachable(any Error)
        /// The body is longer than the limit (announced, or read so far).
        case tooLarge
        /// The connection broke after the answer began.
        case broken(any Error)
    }

    func get(_ url: ClientIDURL, at address: IPAddress, limit: Int) async throws(Failure) -> Response {
        let channel: any Channel
        let answer = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Response.self)
        do {
            let target = try SocketAddress(ipAddress: address.description, port: url.port)
            // SNI and certificate verification are for the host name; for an IP literal, for the address.
            let serverName = IPAddress(url.host) == nil ? url.host : nil
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .channelInitializer { [context] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(Collector(limit: limit, answer: answer))
                    }
                }
                .connect(to: target).get()
        } catch {
            answer.fail(error)
            throw .unreachable(error)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: url.hostHeader)
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "User-Agent", value: "workshop-issuer")
        headers.add(name: "Connection", value: "close")
        channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target, headers: headers)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        do {
            let response = try await withTaskCancellationHandler {
                try await answer.futureResult.get()
            } onCancel: {
                // The answer ends now; the connection closes behind it, however long TLS takes to say goodbye.
                answer.fail(CancellationError())
                channel.close(promise: nil)
            }
            channel.close(promise: nil)
            return response
        } catch let failure as Failure {
            channel.close(promise: nil)
            throw failure
        } catch {
            channel.close(promise: nil)
            throw .broken(error)
        }
    }

    /// Gathers the answer on the channel's event loop, and closes the connection at the first byte too many.
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart

        let limit: Int
        let answer: EventLoopPromise<Response>
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var done = false

        init(limit: Int, answer: EventLoopPromise<Response>) {
            (self.limit, self.answer) = (limit, answer)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !done else { return }
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > limit { finish(context, .failure(Failure.tooLarge)) }
            case .body(let buffer):
                guard body.count + buffer.readableBytes <= limit else { return finish(context, .failure(Failure.tooLarge)) }
                body += buffer.readableBytesView
            case .end:
                guard let head else { return finish(context, .failure(Failure.broken(ChannelError.inputClosed))) }
                finish(context, .success(Response(status: head.status.code, headers: head.headers, body: body)))
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            finish(context, .failure(head == nil ? Failure.unreachable(error) : Failure.broken(error)))
        }

        func channelInactive(context: ChannelHandlerContext) {
            finish(context, .failure(head == nil ? Failure.unreachable(ChannelError.eof) : Failure.broken(ChannelError.eof)))
            context.fireChannelInactive()
        }

        private func finish(_ context: ChannelHandlerContext, _ result: Result<Response, any Error>) {
            guard !done else { return }
            done = true
            answer.completeWith(result)
            context.close(promise: nil)
        }
    }
}
