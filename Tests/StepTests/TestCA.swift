import Crypto
import Foundation
import NIOSSL
import X509

/// Certificate authorities made for one test run, and the server certificates they sign: the issuer under
/// test trusts `trusted` the way `--cimd-ca-file` makes it trust one, never by turning verification off.
/// Their keys live in memory only; nothing here is ever written to the repository.
struct TestCA: Sendable {
    static let trusted = TestCA(name: "Workshop test CA")
    /// A CA the issuer does not trust: a certificate from it must be refused.
    static let stranger = TestCA(name: "Someone else's CA")

    let key: P256.Signing.PrivateKey
    let certificate: Certificate
    let name: DistinguishedName

    init(name commonName: String) {
        key = P256.Signing.PrivateKey()
        name = try! DistinguishedName { CommonName(commonName) }
        let now = Date()
        certificate = try! Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
    }

    /// The CA certificate as NIOSSL reads it, for `DocumentSettings.extraRoots`.
    var root: NIOSSLCertificate { try! NIOSSLCertificate(bytes: Array(pem.utf8), format: .pem) }

    /// The CA certificate in PEM, as a `--cimd-ca-file` holds it.
    var pem: String { try! certificate.serializeAsPEM().pemString }

    /// A TLS server configuration for `host`, with a fresh key and a certificate this CA signs.
    func serverTLS(for host: String = "localhost") -> TLSConfiguration {
        let serverKey = P256.Signing.PrivateKey()
        let now = Date()
        let leaf = try! Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(serverKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: name,
            subject: try! DistinguishedName { CommonName(host) }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try! Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName(host)])
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        let chain = try! NIOSSLCertificate(bytes: Array(leaf.serializeAsPEM().pemString.utf8), format: .pem)
        let privateKey = try! NIOSSLPrivateKey(bytes: Array(serverKey.pemRepresentation.utf8), format: .pem)
        return TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(chain)], privateKey: .privateKey(privateKey))
    }
}
