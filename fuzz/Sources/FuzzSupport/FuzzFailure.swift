import Foundation

/// Stops the run and tells libFuzzer's crash handler why: a broken property counts as a crash.
public func fuzzFailure(_ message: String, input: [UInt8]) -> Never {
    let shown = String(decoding: input.prefix(2000), as: UTF8.self)
    FileHandle.standardError.write(Data("\n==FUZZ FAILURE== \(message)\n--- input ---\n\(shown)\n---\n".utf8))
    abort()
}
