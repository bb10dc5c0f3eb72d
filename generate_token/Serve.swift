import ArgumentParser
import WorkshopIssuer

/// `generate_token serve`: the workshop's online issuer, an OAuth 2.1 authorization server signing with the desk's key.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the workshop issuer: an OAuth 2.1 authorization server that signs with the workshop key.",
        discussion: """
            Serves RFC 8414 metadata, /authorize (a sign-in page; PKCE S256 required), /token (authorization_code, \
            refresh_token with rotation, client_credentials, RFC 8693 token exchange), /register (RFC 7591), /introspect (RFC 7662), \
            /revoke (RFC 7009) and the JWK Set of the workshop key. Access tokens are RS256 at+jwt tokens whose \
            audience is one --resource.

            Client ID Metadata Documents, the registration MCP 2026-07-28 prefers: a client_id that is an https \
            URL names the client's metadata, which the issuer fetches without following redirects, within 5 \
            seconds and 5 KB, and never from a private, loopback or link-local address unless --cimd-trusted-host \
            names the host; it keeps a document as its Cache-Control says, from 60 seconds to 24 hours. The \
            document's client_id must be that URL exactly, and it needs a client_name and redirect_uris; the \
            client authenticates with none, or with private_key_jwt and a key from its jwks or jwks_uri. Like \
            a client that used /register, such a client registered itself and never holds mcp:admin. Dynamic \
            registration stays for older clients; MCP 2026-07-28 deprecates it.

            Demo users, without passwords: alice and bob (role user), ada (admin), gus (guest). This is a \
            workshop tool for your own machine: keep it on 127.0.0.1.

            Everything is kept in memory: registered clients, codes and refresh tokens are forgotten on \
            restart, while access tokens stay valid until they expire. A client registered without grant_types \
            may use authorization_code only, and so gets no refresh token (RFC 7591 §2).

            One client's load is its own: a client may hold 10 unredeemed codes, 25 grants and 100 recorded \
            access tokens; beyond that it alone is answered 429 with Retry-After. client_credentials tokens are \
            not recorded. A self-registered client that got no token within 10 minutes is forgotten when room \
            is needed, and a grant ends 30 days after its sign-in however often it is refreshed.

            Every grant lies within the client's scope: the one it registered, or mcp:read mcp:tools \
            mcp:prompts when it registered none. A user's sign-in grants no more than the user's role allows \
            (admin: mcp:read mcp:tools mcp:prompts mcp:admin; user: mcp:read mcp:tools mcp:prompts; guest: \
            mcp:read; every role also calendar:read, which only a configured client is ever given). A self-registered \
            client never holds mcp:admin; only a client in --clients-file may. That file is a JSON document:
              {"clients": [
                {"client_id": "admin-console", "client_name": "Admin console",
                 "token_endpoint_auth_method": "none",
                 "redirect_uris": ["http://127.0.0.1/callback"],
                 "grant_types": ["authorization_code", "refresh_token"],
                 "scope": "mcp:read mcp:tools mcp:prompts mcp:admin"}
              ]}
            Each client has a client_id (letters, digits, '-', '.', '_', '~') and the RFC 7591 metadata a \
            registration would send: client_name, token_endpoint_auth_method (default client_secret_basic), \
            redirect_uris, grant_types (default authorization_code; may be empty), response_types and scope \
            (default mcp:read mcp:tools mcp:prompts). A confidential client also has a client_secret of at \
            least 32 characters (openssl rand -base64 32): keep the file private. "introspection": true lets \
            a confidential client, a resource server, use /introspect (RFC 7662 §4); no other client may, and \
            none is shown another client's refresh token.

            Token exchange (RFC 8693) lets a server act for its user on another API without passing the \
            user's token on. Only a confidential client in --clients-file whose grant_types include \
            urn:ietf:params:oauth:grant-type:token-exchange, with a token_exchange member, may use it:
              "token_exchange": {
                "subject_audience": "http://127.0.0.1:9000/mcp",
                "targets": {"http://127.0.0.1:9100/calendar": {"calendar:read": "mcp:read"}}}
            subject_audience is the resource the client serves: only access tokens this issuer issued for it, \
            live, unrevoked and without act, are exchanged. targets maps each audience the client may ask for \
            to the scopes it may get there, each with the scope the subject token must carry for it; this map, \
            not the client's scope, bounds what it gets, and the user's role must allow the scope too. The \
            client posts to /token grant_type=urn:ietf:params:oauth:grant-type:token-exchange, subject_token \
            (the user's access token), subject_token_type=urn:ietf:params:oauth:token-type:access_token, \
            resource (or audience: a target) and optionally scope (default: all the subject allows). The new \
            token names the client in act (RFC 8693 §4.1), lives 60 seconds at most and never beyond the \
            subject token, and comes without a refresh token; actor_token is not supported.
            """
    )

    @OptionGroup var options: IssuerOptions

    func run() async throws {
        try await runIssuer(options)
    }
}
