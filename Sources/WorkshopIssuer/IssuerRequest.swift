import Foundation
import Hummingbird
import WorkshopSupport

/// Reads request bodies within a size cap, refusing what is not the expected media type, with OAuth errors.
enum IssuerRequest {
    /// An `application/x-www-form-urlencoded` body (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1).
    static func form(_ request: Request, limit: Int) async throws(OAuthError) -> FormParameters {
        guard mediaType(request) == "application/x-www-form-urlencoded" else {
            throw OAuthError(OAuthError.invalidRequest, "The body must be application/x-www-form-urlencoded.")
        }
        guard let form = FormParameters(try await body(request, limit: limit).readableBytesView) else {
            throw OAuthError(OAuthError.invalidRequest, "The body is not valid form encoding of UTF-8 text.")
        }
        return form
    }

    /// A JSON object body (RFC 7591 §3.1).
    static func jsonObject(_ request: Request, limit: Int) async throws(OAuthError) -> [String: JSONValue] {
        guard mediaType(request) == "application/json" else {
            throw OAuthError(OAuthError.invalidClientMetadata, "The body must be application/json.")
        }
        let buffer = try await body(request, limit: limit)
        // A member named twice could be read one way here and another way by whoever checks it next.
        guard let value = try? JSONValue(parsingUniqueKeys: Data(buffer.readableBytesView)), let object = value.objectValue else {
            throw OAuthError(OAuthError.invalidClientMetadata, "The body must be a JSON object, each member named once.")
        }
        return object
    }

    /// The lowercased media type of the Content-Type header, without parameters.
    static func mediaType(_ request: Request) -> String? {
        request.headers[.contentType].map {
            $0.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces).lowercased()
        }
    }

    private static func body(_ request: Request, limit: Int) async throws(OAuthError) -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw OAuthError(OAuthError.invalidRequest, "The body is larger than \(limit) bytes.", status: .contentTooLarge)
        } catch {
            throw OAuthError(OAuthError.invalidRequest, "The body could not be read.")
        }
    }
}
