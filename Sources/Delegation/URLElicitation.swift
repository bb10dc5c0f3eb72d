import Crypto
import Foundation
import WorkshopSupport

/// Asks the user to open a page of this server, in each era's form (MCP client/elicitation, "URL Mode
/// Elicitation Requests"): 2025-11-25 answers the call with a URLElicitationRequiredError (-32042);
/// 2026-07-28 with an input_required result (basic/patterns/mrtr) whose requestState is sealed, bound to
/// the person and the client (elicitation "Security Considerations"), the tool and ten minutes. Only a
/// client that declared URL elicitation is asked.
struct URLElicitation: Sendable {
    static let requiredCode = -32042
    static let inputKey = "link"
    static let message =
        "Link your account at the partner calendar: sign in there on the page this opens, then call the tool again."

    let baseURL: String
    let pending: PendingLinks
    /// Seals requestState; derived from the link key, for this use alone.
    let stateKey: SymmetricKey
    let declared = DeclaredCapabilities()

    /// The page that starts the link for request `id`; the id is all it carries (no user data in the URL).
    func url(_ id: String) -> String { "\(baseURL)/link/start?request=\(id)" }

    /// Whether the client said it can open URLs: in 2026-07-28 on this very request, in 2025-11-25 at its initialize.
    func clientSupportsURL(_ request: JSONRPCRequest, era: ProtocolEra, caller: VerifiedToken) -> Bool {
        switch era {
        case .modern: request.meta?[EraCheck.metaCapabilitiesKey]?["elicitation"]?["url"]?.objectValue != nil
        case .legacy: declared.supportsURL(caller)
        }
    }

    /// A new link request for the caller, as this era asks for it: thrown in 2025-11-25, returned in 2026-07-28.
    func required(for caller: VerifiedToken, tool: String, era: ProtocolEra) throws(JSONRPCError) -> [String: JSONValue] {
        let id = pending.issue(for: UserTools.owner(caller))
        switch era {
        case .legacy:
            let elicitation: JSONValue = [
                "mode": "url", "elicitationId": .string(id), "url": .string(url(id)), "message": .string(Self.message),
            ]
            throw JSONRPCError(code: Self.requiredCode, message: Self.message, data: ["elicitations": [elicitation]])
        case .modern:
            let ask: JSONValue = [
                "method": "elicitation/create", "params": ["mode": "url", "url": .string(url(id)), "message": .string(Self.message)],
            ]
            return [
                "resultType": "input_required", "inputRequests": [Self.inputKey: ask],
                "requestState": .string(sealState(for: caller, tool: tool)),
            ]
        }
    }

    /// The action the user took on the retried request's elicitation, when its requestState is genuine.
    /// State that does not open, or was issued to someone else or another client, for another tool or too long ago, is refused
    /// (MCP basic/patterns/mrtr: requestState is attacker-controlled input).
    func retryAction(_ params: [String: JSONValue], caller: VerifiedToken, tool: String) throws(JSONRPCError) -> String? {
        guard let state = params["requestState"] else { return nil }
        guard let text = state.stringValue, let payload = openState(text),
            payload["iss"] == .string(caller.issuer), payload["sub"] == .string(caller.subject),
            payload["client_id"] == .string(caller.clientID ?? ""), payload["tool"] == .string(tool),
            let expiry = payload["exp"]?.intValue, Date().timeIntervalSince1970 < Double(expiry)
        else {
            throw .invalidParams("requestState was not issued to you for this tool, or has expired: call the tool again without it.")
        }
        return params["inputResponses"]?[Self.inputKey]?["action"]?.stringValue
    }

    func sealState(for caller: VerifiedToken, tool: String) -> String {
        let payload: JSONValue = [
            "iss": .string(caller.issuer), "sub": .string(caller.subject), "client_id": .string(caller.clientID ?? ""), "tool": .string(tool),
            "exp": .int(Int(Date().timeIntervalSince1970 + PendingLinks.lifetime)),
        ]
        let sealed = try! AES.GCM.seal(payload.encoded(), using: stateKey, authenticating: Data("requestState".utf8))
        return Base64URL.encode(sealed.combined!)
    }

    func openState(_ text: String) -> [String: JSONValue]? {
        guard let data = Base64URL.decode(text), let box = try? AES.GCM.SealedBox(combined: data),
            let plaintext = try? AES.GCM.open(box, using: stateKey, authenticating: Data("requestState".utf8))
        else { return nil }
        return (try? JSONValue(parsing: plaintext))?.objectValue
    }

    /// A key for requestState alone, derived from the link key (RFC 5869).
    static func stateKey(from linkKey: SymmetricKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: linkKey, info: Data("mcp requestState".utf8), outputByteCount: 32)
    }
}
