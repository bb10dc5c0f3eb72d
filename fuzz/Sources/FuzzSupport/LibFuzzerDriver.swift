import CLibFuzzer

/// Hands the process to libFuzzer. SwiftPM links an executable target's own entry point as `main`,
/// so libFuzzer's `main` never runs: each target's main.swift calls this instead.
public func runLibFuzzer(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    return LLVMFuzzerRunDriver(&argc, &argv, testOneInput)
}
