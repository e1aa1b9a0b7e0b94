import Foundation

/// Runs `produce` on a thread of its own while the caller consumes what it hands over, at most `capacity` items
/// ahead: reading and parsing on one core, the store on the other.
///
/// `produce` gets a `hand` function that returns `false` once the consumer has stopped (it should then return). An
/// error from either side ends both and is thrown; the producing thread has always finished when this returns.
package func pipelined<Item: Sendable>(
    capacity: Int = 2,
    produce: @escaping @Sendable (_ hand: (Item) -> Bool) throws -> Void,
    consume: (Item) throws -> Void
) throws {
    let handoff = Handoff<Item>(capacity: capacity)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        do {
            try produce(handoff.put)
            handoff.finish(nil)
        } catch {
            handoff.finish(error)
        }
        done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    defer { done.wait() }
    do {
        // Freeing what was consumed (thousands of strings a batch) is work too: it is handed to another thread a few
        // items at a time, once this one holds no reference to them.
        var retired: [Item] = []
        while let item = try handoff.take() {
            try consume(item)
            retired.append(item)
            if retired.count == 4 {
                let done = retired
                retired = []
                DispatchQueue.global(qos: .utility).async { withExtendedLifetime(done) {} }
            }
        }
    } catch {
        handoff.cancel()
        throw error
    }
}

/// Runs `body(0)` … `body(count - 1)`, each on a thread of its own, and `whileWaiting` on the caller's thread every
/// 0.2 s until they are all done.
///
/// Threads of their own, not Dispatch's pool: a command runs on Swift concurrency's threads, which on Linux are that
/// pool's, so `concurrentPerform` from there gets one thread on a two-core machine.
package func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void, whileWaiting: () -> Void = {}) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    while group.wait(timeout: .now() + 0.2) == .timedOut { whileWaiting() }
}

/// A bounded queue between one producing thread and one consumer.
private final class Handoff<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    // Guarded by `condition`.
    private var items: [Item] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false

    init(capacity: Int) { self.capacity = max(capacity, 1) }

    /// Waits for room; `false` if the consumer has stopped.
    func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// The next item; `nil` once the producer has finished and everything was taken. Throws the producer's error.
    func take() throws -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished { condition.wait() }
        if !items.isEmpty {
            let item = items.removeFirst()
            condition.broadcast()
            return item
        }
        if let failure { throw failure }
        return nil
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
