import Foundation
import VigilCore
import VigilMetrics

/// `GET /metrics` on the MCP listener: the host's ``HostMetrics`` and who may read them.
public struct MetricsEndpoint: Sendable {
    public let host: HostMetrics
    /// Whether anyone may scrape: the endpoint listens on loopback only.
    public let open: Bool
    /// SHA-256 (hex) of the scrape token `[metrics] token_file` holds, if one is configured.
    let tokenHash: String?

    public init(host: HostMetrics, open: Bool, token: String?) {
        self.host = host
        self.open = open
        tokenHash = token.map { Encoding.sha256Hex($0) }
    }

    /// Whether `bearer` is the scrape token or an active operator's key. Only hashes are compared.
    func admits(_ bearer: String, principals: PrincipalRegistry) -> Bool {
        let hash = Encoding.sha256Hex(bearer)
        if let tokenHash, Self.constantTimeEqual(hash, tokenHash) { return true }
        guard let found = try? principals.authenticate(keyHash: hash) else { return false }
        return found.role == .operator
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
