import Foundation
import Logging

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Something told about a new approval request after it reached the operator queue.
///
/// Delivery is best-effort and never affects the request: the local queue always has it (spec §8.4).
public protocol ApprovalNotifier: Sendable {
    func approvalRequested(_ approval: JSONObject, route: ApprovalRoute)
}

/// POSTs the approval object as JSON to a route's `webhook_url`: up to 3 attempts, 5 s timeout each, outcome only
/// logged (never the body).
public struct WebhookNotifier: ApprovalNotifier {
    public static let attempts = 3
    let timeout: TimeInterval
    let logger: Logger

    public init(timeout: TimeInterval = 5, logger: Logger = Logger(label: "vigil.webhook")) {
        self.timeout = timeout
        self.logger = logger
    }

    public func approvalRequested(_ approval: JSONObject, route: ApprovalRoute) {
        guard let raw = route.webhookURL, let url = URL(string: raw), url.scheme == "http" || url.scheme == "https" else {
            return
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(JSONValue.object(approval).canonicalBytes)
        deliver(request, attempt: 1, approvalID: approval["approval_id"]?.stringValue ?? "?", routeID: route.routeID)
    }

    /// One POST; on failure the next attempt starts from the completion handler. Completion handlers run on
    /// URLSession's own queue, so delivery never waits for (or takes) a thread of the Swift concurrency pool, which a
    /// busy server keeps full.
    private func deliver(_ request: URLRequest, attempt: Int, approvalID: String, routeID: String) {
        URLSession.shared.dataTask(with: request) { _, response, error in
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if error == nil, (200..<300).contains(status) {
                logger.info("approval webhook delivered", metadata: ["approval_id": "\(approvalID)", "route": "\(routeID)"])
                return
            }
            if error == nil {
                logger.warning("approval webhook answered \(status)", metadata: ["approval_id": "\(approvalID)", "attempt": "\(attempt)"])
            } else {
                logger.warning("approval webhook failed", metadata: ["approval_id": "\(approvalID)", "attempt": "\(attempt)"])
            }
            if attempt < Self.attempts {
                deliver(request, attempt: attempt + 1, approvalID: approvalID, routeID: routeID)
            }
        }.resume()
    }
}
