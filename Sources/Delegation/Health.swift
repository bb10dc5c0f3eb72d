import Hummingbird

/// The body of `GET /health`: enough for a script or a load balancer to know the server is up.
struct Health: ResponseEncodable {
    let status: String
    let step: Int
    let server: String
    let version: String

    static let current = Health(
        status: "ok",
        step: ServerIdentity.step,
        server: ServerIdentity.name,
        version: ServerIdentity.version
    )
}
