import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM turned into a callback instead of the default exit, so a long-running command can stop cleanly
/// (restore the terminal, stop its tasks). Keep the returned value alive; ``cancel()`` stops observing.
public final class TerminationSignals {
    private let sources: [any DispatchSourceSignal]

    public init(_ handler: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    public func cancel() { sources.forEach { $0.cancel() } }
}
