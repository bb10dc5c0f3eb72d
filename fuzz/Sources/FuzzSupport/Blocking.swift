import Dispatch

/// Runs async code to completion from libFuzzer's synchronous callback. libFuzzer calls on its own
/// thread, never a concurrency thread, so waiting here cannot starve the tasks it waits for.
public func runBlocking<Value: Sendable>(_ body: @escaping @Sendable () async -> Value) -> Value {
    let result = ResultBox<Value>()
    let done = DispatchSemaphore(value: 0)
    Task {
        result.value = await body()
        done.signal()
    }
    done.wait()
    return result.value!
}

/// Written once by the task, read once after the semaphore: the semaphore orders the two.
private final class ResultBox<Value>: @unchecked Sendable {
    var value: Value?
}
