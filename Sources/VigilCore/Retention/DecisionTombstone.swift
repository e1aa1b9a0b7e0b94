/// What is left of a decision that retention deleted: enough to tell a receipt for it "pruned", never "tampered".
public struct DecisionTombstone: Sendable, Equatable {
    public var decisionID: String
    public var agentID: String
    public var intent: String
    public var status: String
    public var closedAt: String?
    public var eventCount: Int
    public var headHash: String
    public var prunedAt: String
    public var reason: String

    public init(
        decisionID: String, agentID: String, intent: String, status: String, closedAt: String?, eventCount: Int,
        headHash: String, prunedAt: String, reason: String
    ) {
        (self.decisionID, self.agentID, self.intent, self.status, self.closedAt) = (decisionID, agentID, intent, status, closedAt)
        (self.eventCount, self.headHash, self.prunedAt, self.reason) = (eventCount, headHash, prunedAt, reason)
    }
}
