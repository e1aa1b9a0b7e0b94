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
        let body = Data(JSONValue.object(approval).canonicalBytes)
        let approvalID = approval["approval_id"]?.stringValue ?? "?"
        let timeout = timeout
        let logger = logger
        Task.detached {
            for attempt in 1...Self.attempts {
                var request = URLRequest(url: url, timeoutInterval: timeout)
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.httpBody = body
                do {
                    let (_, response) = try await URLSession.shared.data(for: request)
                    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                    if (200..<300).contains(status) {
                        logger.info("approval webhook delivered", metadata: ["approval_id": "\(approvalID)", "route": "\(route.routeID)"])
                        return
                    }
                    logger.warning("approval webhook answered \(status)", metadata: ["approval_id": "\(approvalID)", "attempt": "\(attempt)"])
                } catch {
                    logger.warning("approval webhook failed", metadata: ["approval_id": "\(approvalID)", "attempt": "\(attempt)"])
                }
            }
        }
    }
}
