import Foundation
import Synchronization
import Testing
@testable import VigilCore

@Suite("Producer and consumer on two threads")
struct PipelinedTests {
    final class Locked<Value: Sendable>: Sendable {
        let value: Mutex<Value>
        init(_ value: Value) { self.value = Mutex(value) }
        var current: Value { value.withLock { $0 } }
    }

    /// An item that records whether the consumer's thread freed it.
    final class Tracked: Sendable {
        let number: Int
        let freedOn: Locked<[Int: Bool]>
        init(_ number: Int, freedOn: Locked<[Int: Bool]>) { (self.number, self.freedOn) = (number, freedOn) }
        deinit {
            let onConsumer = Thread.current.threadDictionary["consumer"] != nil
            freedOn.value.withLock { $0[number] = onConsumer }
        }
    }

    @Test("items arrive in order; what was consumed is freed, nearly all of it by the producer's thread")
    func orderAndFreeing() throws {
        let freedOn = Locked<[Int: Bool]>([:])
        var seen: [Int] = []
        Thread.current.threadDictionary["consumer"] = true
        defer { Thread.current.threadDictionary["consumer"] = nil }
        try pipelined(produce: { hand in
            for number in 0..<200 { guard hand(Tracked(number, freedOn: freedOn)) else { return } }
        }, consume: { (item: Tracked) in seen.append(item.number) })
        #expect(seen == Array(0..<200))
        let freed = freedOn.current
        #expect(freed.count == 200, "every item is freed by the time it returns")
        // The last couple are handed back after the producer's last hand-over, so they go on the consumer's thread.
        #expect(freed.values.filter { $0 }.count <= 4, "freed on the consumer's thread: \(freed.values.filter { $0 }.count)")
    }

    struct Stop: Error, Equatable { let side: String }

    @Test("an error on either side ends both and is thrown; the producer sees the consumer stop")
    func errors() throws {
        #expect(throws: Stop(side: "producer")) {
            try pipelined(produce: { hand in
                _ = hand(1)
                throw Stop(side: "producer")
            }, consume: { (_: Int) in })
        }
        let stoppedAt = Locked<Int?>(nil)
        #expect(throws: Stop(side: "consumer")) {
            try pipelined(produce: { hand in
                for number in 0..<1_000 where !hand(number) {
                    stoppedAt.value.withLock { $0 = number }
                    return
                }
            }, consume: { (number: Int) in if number == 10 { throw Stop(side: "consumer") } })
        }
        // The producer was told within its few items of room, and had returned before pipelined did.
        let stopped = try #require(stoppedAt.current)
        #expect(stopped > 10 && stopped <= 14)
    }
}
