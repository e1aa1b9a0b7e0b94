import Synchronization

/// What the simulated agents did, counted as they go, for the summary printed when the demo ends.
public final class DemoActivity: Sendable {
    public struct Counts: Sendable, Equatable {
        public var decisionsOpened = 0
        public var committed = 0
        public var aborted = 0
        public var recorded = 0
        public var approvalsRequested = 0
        public var approvalsSeenApproved = 0
        public var approvalsSeenRejected = 0
        public var memoriesIngested = 0
        public var revisions = 0
        public var errors = 0
        public var lastError: String?
    }

    private let state = Mutex(Counts())

    public init() {}

    public var counts: Counts { state.withLock { $0 } }

    func count(_ change: (inout Counts) -> Void) { state.withLock { change(&$0) } }

    func failed(_ agent: String, _ error: any Error) {
        state.withLock {
            $0.errors += 1
            $0.lastError = "\(agent): \(error)"
        }
    }

    /// One paragraph: decisions, approvals, memories and errors.
    public var summary: String {
        let c = counts
        var text = """
            \(c.decisionsOpened + c.recorded) decisions (\(c.committed) committed, \(c.aborted) aborted, \(c.recorded) \
            recorded in one call), \(c.approvalsRequested) approval requests (\(c.approvalsSeenApproved) approved and \
            \(c.approvalsSeenRejected) rejected as the agents saw it), \(c.memoriesIngested) memories ingested, \
            \(c.revisions) revisions, \(c.errors) errors
            """
        if let last = c.lastError { text += "\nlast error: \(last)" }
        return text
    }
}
