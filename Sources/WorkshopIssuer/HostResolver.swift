import Foundation

/// The addresses a host name resolves to, from the system resolver (`getaddrinfo`), which blocks:
/// each lookup runs on a thread of its own, so a slow name server holds up only that lookup, and the
/// fetch's deadline still ends the wait for it.
enum HostResolver {
    /// Why a name has no address.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Every address of `host`, each once, in the resolver's order; an IP literal is its own address.
    static func addresses(of host: String) async throws(Failure) -> [IPAddress] {
        if let literal = IPAddress(host) { return [literal] }
        let result: Result<[IPAddress], Failure> = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: lookUp(host)) }
        }
        return try result.get()
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
