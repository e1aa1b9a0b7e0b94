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
    defer {
        done.wait()
        // What came back after the producer's last hand-over is freed here, so nothing consumed outlives the call.
        handoff.freeReturned()
    }
    do {
        // Freeing what was consumed (thousands of strings a batch) is work too, and the producer has time to spare:
        // consumed items go back to it, to be freed as it hands over the next.
        var consumed: [Item] = []
        while true {
            // Here, between items, this thread holds no reference but `consumed`'s, which goes back under the lock.
            handoff.giveBack(&consumed)
            guard let item = try handoff.take() else { break }
            try consume(item)
            consumed.append(item)
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
    /// Consumed items, for the producer to free.
    private var returned: [Item] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false

    init(capacity: Int) { self.capacity = max(capacity, 1) }

    /// Waits for room; `false` if the consumer has stopped. Frees what the consumer gave back, on this thread.
    func put(_ item: Item) -> Bool {
        var toFree: [Item] = []
        condition.lock()
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else {
            condition.unlock()
            return false
        }
        items.append(item)
        swap(&toFree, &returned)
        condition.broadcast()
        condition.unlock()
        // The last references to the returned items go here, outside the lock.
        toFree.removeAll()
        return true
    }

    /// Hands consumed items back (leaving `lot` empty): under the lock, so the consumer's references go before the
    /// producer can see them and the producer's are the last.
    func giveBack(_ lot: inout [Item]) {
        guard !lot.isEmpty else { return }
        condition.lock()
        returned.append(contentsOf: lot)
        lot.removeAll()
        condition.unlock()
    }

    /// Frees what was given back and not yet freed by a hand-over, on the calling thread.
    func freeReturned() {
        var toFree: [Item] = []
        condition.lock()
        swap(&toFree, &returned)
        condition.unlock()
        toFree.removeAll()
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
