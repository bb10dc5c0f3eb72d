import ArgumentParser
import NIOCore
import NIOPosix

extension App {
    /// Starts Step 9 with Swift concurrency's jobs run on NIO's event loops instead of its own thread pool.
    ///
    /// Hummingbird reads and writes sockets on NIO event loop threads and runs each request's handler
    /// as Swift concurrency jobs. Left alone, those jobs run on Swift's global thread pool, so every
    /// request crosses threads several times: bytes arrive on an event loop, the handler resumes on a
    /// pool thread, the body is handed back, the answer goes out on the event loop again. Each crossing
    /// is a wake-up and a context switch (tutorial chapter 11 measures what they cost). With NIO's
    /// event loops as the global executor, a job resumes on the loop that holds its connection, and
    /// the crossings between threads disappear.
    ///
    /// The price: nothing on this server may block a thread (it never waits on a future with `.wait()`;
    /// SQLite runs on NIO's thread pool), because a blocked job now also stalls the sockets of its loop. NIO
    /// offers this only before any other concurrency runs: here, first thing in `main`, on the main thread.
    @MainActor static func main() async {
        // False only where the runtime offers no hook (then Swift's own pool serves, as in Steps 1–8).
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await main(nil)
    }
}
