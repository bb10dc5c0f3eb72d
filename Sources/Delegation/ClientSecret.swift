import Foundation

/// A confidential client's id and secret (RFC 6749 §2.3.1), read from a file or the environment, never argv.
struct ClientSecret: Sendable {
    let clientID: String
    let secret: String

    /// Why the secret could not be read, and what to do.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The file's first line, or the environment variable's value.
    static func read(clientID: String, file: String?, variable: String, option: String, environment: [String: String])
        throws(Problem) -> ClientSecret
    {
        let text: String
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let contents = String(data: data, encoding: .utf8) else {
                throw Problem(description: "\(option)-secret-file \(file): cannot read the file.")
            }
            text = contents
        } else {
            guard let value = environment[variable], !value.isEmpty else {
                throw Problem(
                    description: "\(option)-client-id needs the client's secret: name a file holding it with \(option)-secret-file,"
                        + " or set \(variable).")
            }
            text = value
        }
        let secret = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard !secret.isEmpty else { throw Problem(description: "The secret of \(option)-client-id (\(file ?? variable)) is empty.") }
        return ClientSecret(clientID: clientID, secret: secret)
    }

    /// RFC 6749 §2.3.1: HTTP Basic, the id and the secret each form-encoded first.
    var basicAuthorization: String {
        let pair = "\(OAuthClient.formEncoded(clientID)):\(OAuthClient.formEncoded(secret))"
        return "Basic \(Data(pair.utf8).base64EncodedString())"
    }
}
