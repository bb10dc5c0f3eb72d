import Foundation

/// The addresses a host name resolves to, from the system resolver (`getaddrinfo`), which blocks:
/// each lookup runs on a thread of its own, and a task that stops waiting (at the fetch's deadline)
/// is answered at once, while a slow name server holds up only that thread.
enum HostResolver {
    /// Why a name has no address.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Every address of `host`, each once, in the resolver's order; an IP literal is its own address.
    static func addresses(of host: String) async throws(Failure) -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        let answer = Answer()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                answer.wait(with: continuation)
                Thread.detachNewThread { answer.give(lookUp(host)) }
            }
        } onCancel: {
            answer.give(.failure(Failure(description: "the lookup of \(host) was abandoned")))
        }
        return try result.get()
    }

    /// The one answer a lookup gets: the resolver's, or the abandonment's, whichever comes first.
    private final class Answer: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Result<[IPAddress], Failure>, Never>?
        private var early: Result<[IPAddress], Failure>?
        private var given = false

        func wait(with continuation: CheckedContinuation<Result<[IPAddress], Failure>, Never>) {
            lock.lock()
            if let early {
                lock.unlock()
                continuation.resume(returning: early)
                return
            }
            self.continuation = continuation
            lock.unlock()
        }

        func give(_ result: Result<[IPAddress], Failure>) {
            lock.lock()
            guard !given else { return lock.unlock() }
            given = true
            guard let continuation else {
                early = result
                return lock.unlock()
            }
            self.continuation = nil
            lock.unlock()
            continuation.resume(returning: result)
        }
    }

    private static func lookUp(_ host: String) -> Result<[IPAddress], Failure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            return .failure(Failure(description: "\(host) does not resolve (\(String(cString: gai_strerror(status))))"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            next = entry.pointee.ai_next
            guard let socketAddress = entry.pointee.ai_addr else { continue }
            let bytes: [UInt8]
            switch Int32(entry.pointee.ai_family) {
            case AF_INET:
                bytes = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                }
            case AF_INET6:
                bytes = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
            default:
                continue
            }
            if let address = IPAddress(bytes: bytes), !addresses.contains(address) { addresses.append(address) }
        }
        guard !addresses.isEmpty else { return .failure(Failure(description: "\(host) has no IPv4 or IPv6 address")) }
        return .success(addresses)
    }
}
