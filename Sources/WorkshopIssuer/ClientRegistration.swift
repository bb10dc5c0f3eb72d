import WorkshopSupport

/// An RFC 7591 §2 registration request, checked: the metadata this issuer can honour, or the reason it cannot.
struct ClientRegistration {
    static let grantTypes = ["authorization_code", "refresh_token", "client_credentials"]
    static let maxNameLength = 200

    let authMethod: RegisteredClient.AuthMethod
    let redirectURIs: [String]
    let grantTypes: [String]
    let responseTypes: [String]
    let name: String?
    let scopes: [String]?
    /// OpenID Connect Dynamic Client Registration §2 `application_type`: `web` when not sent, as there.
    let applicationType: String

    /// Reads the JSON object; unknown members are ignored (RFC 7591 §2). Only a client the operator
    /// configured may ask for `mcp:admin`: anyone can register, and no one vouches for them.
    init(_ metadata: [String: JSONValue], preconfigured: Bool = false) throws(OAuthError) {
        func invalid(_ text: String) -> OAuthError { OAuthError(OAuthError.invalidClientMetadata, text) }
        func strings(_ name: String) throws(OAuthError) -> [String]? {
            guard let value = metadata[name], value != .null else { return nil }
            guard let array = value.arrayValue, array.count <= 20 else { throw invalid("\(name) must be an array of at most 20 strings.") }
            var result: [String] = []
            for item in array {
                guard let text = item.stringValue else { throw invalid("\(name) must be an array of strings.") }
                if !result.contains(text) { result.append(text) }
            }
            return result
        }
        func string(_ name: String) throws(OAuthError) -> String? {
            guard let value = metadata[name], value != .null else { return nil }
            guard let text = value.stringValue else { throw invalid("\(name) must be a string.") }
            return text
        }

        let method = try string("token_endpoint_auth_method") ?? RegisteredClient.AuthMethod.clientSecretBasic.rawValue
        guard let authMethod = RegisteredClient.AuthMethod(rawValue: method), authMethod != .privateKeyJWT else {
            throw invalid("token_endpoint_auth_method must be none, client_secret_basic or client_secret_post; private_key_jwt is for clients whose client_id is the https URL of their metadata document.")
        }
        // MCP 2026-07-28 ("Application Type and Redirect URI Constraints"): clients send application_type
        // (SEP-837); one that does not is `web`, the OpenID Connect default. This issuer grants codes only,
        // never implicit tokens, so OpenID's one rule for web clients (https, no localhost: implicit only)
        // never applies, and native clients keep the https redirects some register (VS Code's vscode.dev):
        // the value is recorded and returned, and the redirect URI rules below are the same for both.
        let applicationType = try string("application_type") ?? "web"
        guard ["web", "native"].contains(applicationType) else { throw invalid("application_type must be web or native.") }
        // RFC 7591 §2: grant_types defaults to authorization_code, response_types to code.
        let grantTypes = try strings("grant_types") ?? ["authorization_code"]
        // A configured resource server may use no grant at all: it only introspects or revokes. Only the
        // operator may let a client exchange its users' tokens (RFC 8693): that says for which audiences.
        let allowed = Self.grantTypes + (preconfigured ? [TokenExchangePolicy.grantType] : [])
        guard preconfigured || !grantTypes.isEmpty, grantTypes.allSatisfy(allowed.contains) else {
            throw invalid("grant_types may hold only \(allowed.dropLast().joined(separator: ", ")) and \(allowed.last!).")
        }
        let usesCode = grantTypes.contains("authorization_code")
        let responseTypes = try strings("response_types") ?? (usesCode ? ["code"] : [])
        guard responseTypes == (usesCode ? ["code"] : []) else {
            throw invalid("response_types must be [code] with authorization_code and empty without it (RFC 7591 §2.1).")
        }
        for grant in ["client_credentials", TokenExchangePolicy.grantType] where grantTypes.contains(grant) && authMethod == .none {
            throw invalid("\(grant) needs a confidential client: a token_endpoint_auth_method other than none.")
        }
        let redirectURIs = try strings("redirect_uris") ?? []
        if usesCode, redirectURIs.isEmpty {
            throw OAuthError(OAuthError.invalidRedirectURI, "redirect_uris is required for the authorization_code grant.")
        }
        guard redirectURIs.allSatisfy(RedirectURI.isRegistrable) else {
            throw OAuthError(OAuthError.invalidRedirectURI, "Each redirect URI must be https, or http on 127.0.0.1, [::1] or localhost, without a fragment.")
        }
        let name = try string("client_name")
        if let name, name.count > Self.maxNameLength || name.unicodeScalars.contains(where: Self.isHidden) {
            throw invalid("client_name must be at most \(Self.maxNameLength) characters, without control or format characters (such as bidi overrides).")
        }
        var scopes: [String]?
        if let scope = try string("scope") {
            guard let parsed = ScopeList.parse(scope) else { throw invalid("scope may hold only \(ScopeList.supported.joined(separator: " ")).") }
            guard preconfigured || ScopeList.within(parsed, ScopeList.defaultClientScopes) == parsed else {
                throw invalid("A self-registered client may hold \(ScopeList.defaultClientScopes.joined(separator: " ")) at most; mcp:admin is for clients the operator configures (--clients-file).")
            }
            scopes = parsed
        }
        (self.authMethod, self.grantTypes, self.responseTypes) = (authMethod, grantTypes, responseTypes)
        (self.redirectURIs, self.name, self.scopes) = (redirectURIs, name?.isEmpty == true ? nil : name, scopes)
        self.applicationType = applicationType
    }

    /// Characters that change how a name reads without being seen: controls, format characters (U+202E
    /// reverses the text after it), separators other than the space, and code points with no meaning yet.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned: true
        default: false
        }
    }
}
