import Foundation
import Synchronization
import VigilCore

/// Token buckets per key (TraceMem spec §13: refill 10/s, burst 20) and a sliding 60 s window per decision for
/// `decision_get`. Time comes from the injected clock, so tests control it.
public final class RateLimiter: Sendable {
    private struct Bucket { var tokens: Double; var updated: Date }
    private struct State {
        var buckets: [String: Bucket] = [:]
        var gets: [String: [Date]] = [:]
    }

    private let state = Mutex(State())
    let perSecond: Double
    let burst: Double
    let getsPerMinute: Int
    let clock: any WallClock

    init(perSecond: Double, burst: Int, getsPerMinute: Int, clock: any WallClock) {
        self.perSecond = perSecond
        self.burst = Double(burst)
        self.getsPerMinute = getsPerMinute
        self.clock = clock
    }

    /// At most this many buckets are kept; idle ones (5 min) go first, then the least recently used.
    static let maximumBuckets = 4096

    /// Takes a token for `key`; `nil` when allowed, else the seconds to wait (at least 1).
    func admit(key: String) -> Int? {
        let now = clock.now()
        return state.withLock { s in
            if s.buckets[key] == nil, s.buckets.count >= Self.maximumBuckets {
                s.buckets = s.buckets.filter { now.timeIntervalSince($0.value.updated) < 300 }
                if s.buckets.count >= Self.maximumBuckets,
                    let oldest = s.buckets.min(by: { $0.value.updated < $1.value.updated })?.key
                {
                    s.buckets.removeValue(forKey: oldest)
                }
            }
            var bucket = s.buckets[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * perSecond)
            bucket.updated = now
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                s.buckets[key] = bucket
                return nil
            }
            s.buckets[key] = bucket
            return max(1, Int(((1 - bucket.tokens) / max(perSecond, 0.001)).rounded(.up)))
        }
    }

    /// Counts a `decision_get` on `decisionID`; `nil` when allowed, else the seconds until one slot frees.
    func admitGet(decisionID: String) -> Int? {
        let now = clock.now()
        return state.withLock { s in
            var times = (s.gets[decisionID] ?? []).filter { now.timeIntervalSince($0) < 60 }
            if times.count >= getsPerMinute {
                s.gets[decisionID] = times
                return max(1, Int((60 - now.timeIntervalSince(times[0])).rounded(.up)))
            }
            times.append(now)
            s.gets[decisionID] = times
            return nil
        }
    }
}
