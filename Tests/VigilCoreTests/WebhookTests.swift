import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("Approval route webhooks (spec §8.4)", .timeLimit(.minutes(1)))
struct WebhookTests {
    func fixture(url: String) throws -> DecisionFixture {
        try DecisionFixture(configTOML: DecisionFixture.configTOML.replacingOccurrences(
            of: "expires_in_seconds = 7200", with: "expires_in_seconds = 7200\nwebhook_url = \"\(url)\""))
    }

    @Test("a route's webhook receives the approval object; the queue has it regardless")
    func delivered() async throws {
        let listener = try LoopbackHTTPListener()
        let f = try fixture(url: "http://127.0.0.1:\(listener.port)/hook")
        let id = try f.open()
        let approval = try f.call("decision_request_approval", ["decision_id": .string(id), "approval_route_id": "finance"])
        try #require(await listener.waitFor { $0.count == 1 })
        let body = try JSONParser.parse(listener.receivedBodies[0])
        #expect(body["approval_id"] == approval["approval_id"])
        #expect(body["approval_route_id"] == "finance" && body["require_rationale"] == true)
    }

    @Test("a failing webhook is retried three times and changes nothing")
    func retried() async throws {
        let listener = try LoopbackHTTPListener(status: 500)
        let f = try fixture(url: "http://127.0.0.1:\(listener.port)/hook")
        let id = try f.open()
        let approval = try f.call("decision_request_approval", ["decision_id": .string(id), "approval_route_id": "finance"])
        #expect(approval["delivery"]?["status"] == "delivered")
        #expect(await listener.waitFor { $0.count == 3 })
        #expect(try f.get(id)["status"] == "needs_approval")
    }
}
