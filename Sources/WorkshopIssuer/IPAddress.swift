import Foundation

/// An IPv4 or IPv6 address and what it is for (RFC 6890, the IANA special-purpose address registries):
/// the issuer fetches a client's document only from a global address, because any other one reaches
/// something a stranger on the internet should not (draft-ietf-oauth-client-id-metadata-document §8.6).
struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 or 16 bytes, network order.
    let bytes: [UInt8]

    /// Where an address leads.
    enum Kind: Sendable, Equatable {
        /// The public internet.
        case global
        /// This machine or its networks: reachable only from inside, so only for a host the operator trusts.
        case local(String)
        /// Never a server: unspecified, multicast, broadcast, documentation, reserved.
        case never(String)
    }

    init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// The address in `text`, an IPv4 or IPv6 literal (without brackets); nil for a host name.
    init?(_ text: String) {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self.bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var copy = bytes
        _ = inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, &copy, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    var kind: Kind { bytes.count == 4 ? Self.kind(v4: bytes) : Self.kind(v6: bytes) }

    private static func kind(v4 b: [UInt8]) -> Kind {
        func within(_ prefix: [UInt8], _ bits: Int) -> Bool { matches(b, prefix, bits) }
        if within([0], 8) { return .never("unspecified (0.0.0.0/8)") }
        if within([127], 8) { return .local("loopback (127.0.0.0/8)") }
        if within([10], 8) || within([172, 16], 12) || within([192, 168], 16) { return .local("private (RFC 1918)") }
        if within([100, 64], 10) { return .local("shared carrier-grade NAT (100.64.0.0/10)") }
        // 169.254.169.254, the cloud metadata service, is here: the classic target of SSRF.
        if within([169, 254], 16) { return .local("link-local (169.254.0.0/16)") }
        if within([192, 0, 0], 24) { return .never("IETF protocol assignments (192.0.0.0/24)") }
        if within([192, 0, 2], 24) || within([198, 51, 100], 24) || within([203, 0, 113], 24) { return .never("documentation") }
        if within([192, 88, 99], 24) { return .never("6to4 relay anycast (192.88.99.0/24)") }
        if within([198, 18], 15) { return .never("benchmarking (198.18.0.0/15)") }
        if within([224], 4) { return .never("multicast (224.0.0.0/4)") }
        if within([240], 4) { return .never("reserved or broadcast (240.0.0.0/4)") }
        return .global
    }

    private static func kind(v6 b: [UInt8]) -> Kind {
        func within(_ prefix: [UInt8], _ bits: Int) -> Bool { matches(b, prefix, bits) }
        let zeros = [UInt8](repeating: 0, count: 15)
        if b == zeros + [0] { return .never("unspecified (::)") }
        if b == zeros + [1] { return .local("loopback (::1)") }
        // An IPv4 address written as IPv6 goes where the IPv4 address goes.
        if within([UInt8](repeating: 0, count: 10) + [0xff, 0xff], 96) || within([0, 0x64, 0xff, 0x9b] + [UInt8](repeating: 0, count: 8), 96) {
            return kind(v4: Array(b[12...]))
        }
        if within(zeros, 96) { return .never("IPv4-compatible (::/96, deprecated)") }
        if within([0xfc], 7) { return .local("unique local (fc00::/7)") }
        if within([0xfe, 0x80], 10) { return .local("link-local (fe80::/10)") }
        if within([0xfe, 0xc0], 10) { return .local("site-local (fec0::/10, deprecated)") }
        if within([0xff], 8) { return .never("multicast (ff00::/8)") }
        if within([0x01, 0x00] + [UInt8](repeating: 0, count: 6), 64) { return .never("discard-only (100::/64)") }
        if within([0x20, 0x01, 0x0d, 0xb8], 32) { return .never("documentation (2001:db8::/32)") }
        // Teredo and 6to4 tunnel to IPv4 addresses that cannot be checked here.
        if within([0x20, 0x01], 23) { return .never("IETF protocol assignments (2001::/23)") }
        if within([0x20, 0x02], 16) { return .never("6to4 (2002::/16)") }
        return .global
    }

    /// True when the first `bits` bits of `address` are those of `prefix`.
    private static func matches(_ address: [UInt8], _ prefix: [UInt8], _ bits: Int) -> Bool {
        for bit in 0..<bits {
            let index = bit / 8, mask = UInt8(0x80) >> UInt8(bit % 8)
            let expected = index < prefix.count ? prefix[index] & mask : 0
            if address[index] & mask != expected { return false }
        }
        return true
    }
}
