import CoreMetrics
import Foundation
import Metrics
import Prometheus
import Synchronization
import VigilCore

/// The numbers one host publishes at `GET /metrics`, in the Prometheus text format.
///
/// Calls, latencies and sweeps are counted as they happen, through swift-metrics (`Counter`, `Timer`) on this
/// host's own Prometheus registry (never the process-wide one, so several hosts in one process — tests, the
/// dashboard beside `vigil serve` — keep separate counts). What the store holds is read at each scrape
/// (``StoreFigures``): decisions by status, pending approvals, memory records by type and sensitivity, the store's
/// size, and the wait of every approval resolved since the previous scrape, by whichever process resolved it.
public final class HostMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    /// The newest approval resolution already in the wait histogram; starts at the host's start.
    let resolvedWatermark: Mutex<String>

    /// Histogram buckets for call latency: 1 ms to 10 s.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(10),
    ]
    /// Histogram buckets for how long a request waited for a person: 10 s to a day.
    static let waitBuckets: [Double] = [10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400]

    public init(startedAt: Date = Date()) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.latencyBuckets
        factory.valueHistogramBuckets = ["vigil_approval_wait_seconds": Self.waitBuckets]
        self.factory = factory
        resolvedWatermark = Mutex(Timestamp.format(startedAt))
    }

    /// One MCP JSON-RPC call: `tool` is the tool's name for `tools/call` (else the method), `outcome` `ok` or the
    /// error's case name.
    public func recordMCPCall(tool: String, outcome: String, duration: Duration) {
        Counter(label: "vigil_mcp_calls_total", dimensions: [("tool", tool), ("outcome", outcome)], factory: factory).increment()
        Timer(label: "vigil_mcp_call_duration_seconds", dimensions: [("tool", tool)], factory: factory)
            .record(duration: duration)
    }

    /// An MCP request refused before any call ran (401, 413, 415, 429, 503…).
    public func recordMCPRejection(status: Int) {
        Counter(label: "vigil_mcp_rejected_requests_total", dimensions: [("status", String(status))], factory: factory).increment()
    }

    /// One Membrane gRPC call: `rpc` its method name, `code` the gRPC status code's name (`ok`, `invalidArgument`…).
    public func recordGRPCCall(rpc: String, code: String, duration: Duration) {
        Counter(label: "vigil_grpc_calls_total", dimensions: [("rpc", rpc), ("code", code)], factory: factory).increment()
        Timer(label: "vigil_grpc_call_duration_seconds", dimensions: [("rpc", rpc)], factory: factory)
            .record(duration: duration)
    }

    /// One run of a sweeper task (`approvals` or `memory`), and what it removed under retention.
    public func recordSweep(_ task: String, succeeded: Bool, expired: Int = 0, pruned: Int = 0) {
        Counter(label: "vigil_sweeper_runs_total", dimensions: [("task", task), ("outcome", succeeded ? "ok" : "failed")], factory: factory)
            .increment()
        if expired > 0 {
            Counter(label: "vigil_approvals_expired_total", factory: factory).increment(by: expired)
        }
        if pruned > 0 {
            Counter(label: "vigil_retention_deleted_total", dimensions: [("kind", "memory")], factory: factory).increment(by: pruned)
        }
    }

    /// One retention run by the sweeper (`nil`: it failed), and what it deleted.
    public func recordRetention(_ report: RetentionReport?) {
        Counter(label: "vigil_sweeper_runs_total", dimensions: [("task", "retention"), ("outcome", report == nil ? "failed" : "ok")], factory: factory)
            .increment()
        guard let report else { return }
        for (kind, count) in [("decisions", report.decisions), ("memory", report.memories)] where count > 0 {
            Counter(label: "vigil_retention_deleted_total", dimensions: [("kind", kind)], factory: factory).increment(by: count)
        }
    }

    /// Reads the store's figures and renders every metric in the Prometheus text format (version 0.0.4).
    public func render(store: DecisionEngine) throws -> [UInt8] {
        let after = resolvedWatermark.withLock { $0 }
        let figures = try StoreFigures.read(from: store.store, resolvedAfter: after)
        apply(figures)
        return Self.withHelp(registry.emitToBuffer())
    }

    /// What each metric counts, for its `# HELP` line.
    package static let help: [String: String] = [
        "vigil_mcp_calls_total": "MCP JSON-RPC calls, by tool (or method) and outcome (ok or the error's case).",
        "vigil_mcp_call_duration_seconds": "How long MCP calls took, by tool.",
        "vigil_mcp_rejected_requests_total": "HTTP requests to the MCP endpoint refused before any call, by status.",
        "vigil_grpc_calls_total": "Membrane gRPC calls, by RPC and status code.",
        "vigil_grpc_call_duration_seconds": "How long Membrane gRPC calls took, by RPC.",
        "vigil_sweeper_runs_total": "Background sweeps (expiry, decay, retention), by task and outcome.",
        "vigil_approvals_expired_total": "Approval requests that expired unanswered.",
        "vigil_retention_deleted_total": "Rows deleted by retention, by kind.",
        "vigil_approvals_pending": "Approval requests waiting for an operator now.",
        "vigil_decisions": "Decisions in the store, by status.",
        "vigil_memory_records": "Memory records in the store, by type and sensitivity.",
        "vigil_store_bytes": "The store's size in bytes: the SQLite file, or the PostgreSQL database.",
        "vigil_store_log_bytes": "The SQLite write-ahead log's size in bytes.",
        "vigil_approval_wait_seconds": "How long resolved approval requests waited, from request to resolution, by outcome.",
    ]

    /// The exposition with a `# HELP` line before each metric's `# TYPE` line (the registry writes none for metrics
    /// made through swift-metrics).
    package static func withHelp(_ text: [UInt8]) -> [UInt8] {
        let marker = Array("# TYPE ".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.count + 2048)
        for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.starts(with: marker) {
                let name = String(decoding: line.dropFirst(marker.count).prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                if let help = help[name] { out.append(contentsOf: "# HELP \(name) \(help)\n".utf8) }
            }
            out.append(contentsOf: line)
            out.append(UInt8(ascii: "\n"))
        }
        // split kept what followed the last newline: an empty piece, which gained one above.
        if text.last == UInt8(ascii: "\n") || text.isEmpty { out.removeLast() }
        return out
    }

    func apply(_ figures: StoreFigures) {
        Gauge(label: "vigil_approvals_pending", factory: factory).record(figures.pendingApprovals)
        // Every status, type and sensitivity is set, to 0 when none is stored, so a count that drops to nothing
        // (retention, erasure) shows as 0 rather than its last value.
        let byStatus = Dictionary(figures.decisionsByStatus.map { ($0.status, $0.count) }, uniquingKeysWith: +)
        for status in DecisionStatus.allCases {
            Gauge(label: "vigil_decisions", dimensions: [("status", status.rawValue)], factory: factory).record(byStatus[status.rawValue] ?? 0)
        }
        let byKind = Dictionary(figures.memories.map { ("\($0.type)/\($0.sensitivity.rawValue)", $0.count) }, uniquingKeysWith: +)
        for type in MemoryType.allCases {
            for sensitivity in Sensitivity.allCases {
                Gauge(label: "vigil_memory_records", dimensions: [("type", type.rawValue), ("sensitivity", sensitivity.rawValue)], factory: factory)
                    .record(byKind["\(type.rawValue)/\(sensitivity.rawValue)"] ?? 0)
            }
        }
        Gauge(label: "vigil_store_bytes", factory: factory).record(figures.usage.bytes)
        if let log = figures.usage.logBytes { Gauge(label: "vigil_store_log_bytes", factory: factory).record(log) }
        var newest: String?
        for span in figures.resolvedApprovals {
            guard let resolvedAt = span.resolvedAt, let resolved = Timestamp.parse(resolvedAt),
                let requested = Timestamp.parse(span.requestedAt)
            else { continue }
            Recorder(label: "vigil_approval_wait_seconds", dimensions: [("outcome", span.status)], aggregate: true, factory: factory)
                .record(max(0, resolved.timeIntervalSince(requested)))
            newest = resolvedAt
        }
        if let newest { resolvedWatermark.withLock { $0 = max($0, newest) } }
    }
}
