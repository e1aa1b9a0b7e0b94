import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import MembraneProto
import SwiftProtobuf
import Testing
import VigilCore
import VigilServer
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A Membrane gRPC server on 127.0.0.1 over a ``MemoryFixture``, with Membrane key `K`.
final class MembraneTestServer: Sendable {
    let fixture: MemoryFixture
    let principals: PrincipalRegistry
    let port: Int
    private let task: Task<Void, any Error>

    init(membraneKey: String? = "K", ratePerSecond: Double = 100) async throws {
        let fixture = try MemoryFixture()
        self.fixture = fixture
        let principals = PrincipalRegistry(store: fixture.store, clock: fixture.clock)
        self.principals = principals
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        task = Task {
            try await MembraneServer.run(
                engine: fixture.engine, principals: principals, host: "127.0.0.1", port: 0, membraneKey: membraneKey,
                requireAuth: false, ratePerSecond: ratePerSecond, clock: fixture.clock) { continuation.yield($0) }
        }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw POSIXError(.EADDRNOTAVAIL) }
        self.port = port
    }

    deinit { task.cancel() }

    /// Runs `body` with a client connected to the server.
    func withClient<T: Sendable>(_ body: @Sendable (Membrane_V1_MembraneService.Client<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
        ) { client in
            try await body(Membrane_V1_MembraneService.Client(wrapping: client))
        }
    }
}

/// The gRPC status code of what `body` throws, or `nil` if it succeeds.
func statusCode(_ body: () async throws -> Void) async -> RPCError.Code? {
    do {
        try await body()
        return nil
    } catch let error as RPCError {
        return error.code
    } catch {
        return .unknown
    }
}

@Suite("The Membrane gRPC endpoint on loopback", .timeLimit(.minutes(2)))
struct MembraneEndpointTests {
    let auth: Metadata = ["authorization": "Bearer K"]

    @Test("3–4: Bearer auth with the Membrane key or an agent key; an operator key reads and curates but never ingests")
    func authentication() async throws {
        let server = try await MembraneTestServer()
        let (_, agentKey) = try server.principals.add(name: "mem", kind: .agent)
        let (_, operatorKey) = try server.principals.add(name: "ops", kind: .operator)
        let event = Membrane_V1_IngestEventRequest.with { $0.source = "python-client"; $0.eventKind = "m"; $0.ref = "r" }
        try await server.withClient { client in
            #expect(await statusCode { _ = try await client.ingestEvent(event) } == .unauthenticated)
            #expect(await statusCode { _ = try await client.ingestEvent(event, metadata: ["authorization": "Bearer wrong"]) } == .unauthenticated)
            #expect(await statusCode { _ = try await client.ingestEvent(event, metadata: ["authorization": "bearer K"]) } == .unauthenticated)
            #expect(await statusCode { _ = try await client.ingestEvent(event, metadata: ["authorization": "Bearer K"]) } == nil)
            #expect(await statusCode { _ = try await client.ingestEvent(event, metadata: ["authorization": "Bearer \(agentKey)"]) } == nil)
            #expect(await statusCode { _ = try await client.ingestEvent(event, metadata: ["authorization": "Bearer \(operatorKey)"]) } == .permissionDenied)
            let metrics = Membrane_V1_GetMetricsRequest()
            #expect(await statusCode { _ = try await client.getMetrics(metrics, metadata: ["authorization": "Bearer \(operatorKey)"]) } == nil)
            #expect(await statusCode { _ = try await client.getMetrics(metrics, metadata: ["authorization": "Bearer wrong"]) } == .unauthenticated)
        }
    }

    @Test("ingest all kinds, retrieve with trust, revise, reinforce and read the metrics over the wire")
    func workflow() async throws {
        let server = try await MembraneTestServer()
        let auth = self.auth
        try await server.withClient { client in
            let event = try await client.ingestEvent(.with {
                $0.source = "python-client"; $0.eventKind = "user_message"; $0.ref = "m1"; $0.summary = "prefers dark mode"
            }, metadata: auth)
            let record = try JSONParser.parse(bytes: event.record)
            #expect(record["type"] == "episodic" && record["confidence"] == 0.8)
            let id = try #require(record["id"]?.stringValue)
            _ = try await client.ingestToolOutput(.with {
                $0.source = "c"; $0.toolName = "grep"; $0.args = Data(#"{"q":"x"}"#.utf8); $0.result = Data("[1]".utf8)
            }, metadata: auth)
            let fact = try await client.ingestObservation(.with {
                $0.source = "c"; $0.subject = "db"; $0.predicate = "uses"; $0.object = Data(#""postgres""#.utf8); $0.sensitivity = "medium"
            }, metadata: auth)
            let factID = try #require(try JSONParser.parse(bytes: fact.record)["id"]?.stringValue)
            _ = try await client.ingestWorkingState(.with { $0.source = "c"; $0.threadID = "t"; $0.state = "planning" }, metadata: auth)
            let outcome = try await client.ingestOutcome(.with { $0.source = "c"; $0.targetRecordID = id; $0.outcomeStatus = "success" }, metadata: auth)
            #expect(try JSONParser.parse(bytes: outcome.record)["payload"]?["outcome"] == "success")

            let low = try await client.retrieve(.with {
                $0.taskDescriptor = "dark mode"; $0.trust = .with { $0.maxSensitivity = "low" }; $0.limit = 10
            }, metadata: auth)
            let records = try low.records.map { try JSONParser.parse(bytes: $0) }
            #expect(records.count == 4 && records[0]["id"]?.stringValue == id)
            #expect(records.first { $0["id"]?.stringValue == factID }?["payload"] == JSONValue.null, "one level above: redacted")
            #expect(low.selection.isEmpty)
            #expect(await statusCode { _ = try await client.retrieve(.with { $0.limit = 1 }, metadata: auth) } == .invalidArgument)
            #expect(await statusCode {
                _ = try await client.retrieveByID(.with { $0.id = factID; $0.trust = .with { $0.maxSensitivity = "low" } }, metadata: auth)
            } == .permissionDenied)
            #expect(await statusCode {
                _ = try await client.retrieveByID(.with { $0.id = "nope"; $0.trust = .with { $0.maxSensitivity = "low" } }, metadata: auth)
            } == .notFound)

            let replacement = Data(MemoryFixture.suppliedRecord())
            let superseding = try await client.supersede(.with { $0.oldID = factID; $0.newRecord = replacement; $0.actor = "op" }, metadata: auth)
            #expect(try JSONParser.parse(bytes: superseding.record)["relations"]?.arrayValue?.first?["predicate"] == "supersedes")
            #expect(await statusCode { _ = try await client.retract(.with { $0.id = id }, metadata: auth) } == .failedPrecondition)
            _ = try await client.reinforce(.with { $0.id = id; $0.actor = "op" }, metadata: auth)
            #expect(await statusCode { _ = try await client.penalize(.with { $0.id = id; $0.amount = -1 }, metadata: auth) } == .invalidArgument)
            let metrics = try JSONParser.parse(bytes: try await client.getMetrics(.init(), metadata: auth).snapshot)
            #expect(metrics["total_records"] == 5 && metrics["records_by_type"]?["episodic"] == 2)
        }
    }
}

@Suite("gRPC health on the Membrane endpoint")
struct HealthTests {
    @Test("2: health reports SERVING without auth for the Membrane service and \"\", NOT_FOUND otherwise")
    func health() async throws {
        let server = try await MembraneTestServer()
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: server.port), transportSecurity: .plaintext)
        ) { client in
            let health = Grpc_Health_V1_Health.Client(wrapping: client)
            let membrane = try await health.check(.with { $0.service = "membrane.v1.MembraneService" })
            let all = try await health.check(.with { $0.service = "" })
            #expect(membrane.status == .serving && all.status == .serving)
            #expect(await statusCode { _ = try await health.check(.with { $0.service = "foo" }) } == .notFound)
        }
    }
}

@Suite("gRPC rate limiting")
struct MembraneRateLimitTests {
    @Test("7: at 5 per second, the 6th call on one connection at one instant is refused; a new connection is not")
    func perConnection() async throws {
        let server = try await MembraneTestServer(ratePerSecond: 5)
        let metadata: Metadata = ["authorization": "Bearer K"]
        try await server.withClient { client in
            for _ in 0..<5 { _ = try await client.getMetrics(.init(), metadata: metadata) }
            #expect(await statusCode { _ = try await client.getMetrics(.init(), metadata: metadata) } == .resourceExhausted)
        }
        let fresh = try await server.withClient { client in try await client.getMetrics(.init(), metadata: metadata) }
        #expect(!fresh.snapshot.isEmpty)
    }
}

@Suite("Membrane wire limits")
struct MembraneWireLimitTests {
    @Test("8: a request message over 11 MiB is refused with RESOURCE_EXHAUSTED and stores nothing; 11 MiB exactly is not refused for size")
    func messageSize() async throws {
        let server = try await MembraneTestServer()
        let metadata: Metadata = ["authorization": "Bearer K"]
        let huge = Membrane_V1_IngestEventRequest.with {
            $0.source = "c"; $0.eventKind = "k"; $0.ref = "r"; $0.summary = String(repeating: "x", count: 11_534_337)
        }
        try await server.withClient { client in
            let code = await statusCode { _ = try await client.ingestEvent(huge, metadata: metadata) }
            #expect(code == .resourceExhausted, "got \(String(describing: code))")
        }
        // At the limit the size check passes (the engine then refuses the oversized summary field on its own terms).
        let atLimit = Membrane_V1_IngestEventRequest.with {
            $0.source = "c"; $0.eventKind = "k"; $0.ref = "r"; $0.summary = String(repeating: "x", count: 11_534_336 - 20)
        }
        #expect(try (atLimit.serializedBytes() as [UInt8]).count <= MembraneServer.maximumReceivedMessageSize)
        try await server.withClient { client in
            let code = await statusCode { _ = try await client.ingestEvent(atLimit, metadata: metadata) }
            #expect(code != .resourceExhausted && code != .unavailable, "got \(String(describing: code))")
        }
        #expect(try server.fixture.engine.metrics()["total_records"] == 0)
    }
}

@Suite("Membrane transport defaults")
struct MembraneTransportDefaultTests {
    /// This machine's IPv4 addresses outside 127.0.0.0/8.
    static func externalAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [String] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0
            else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.hasPrefix("127.") { addresses.append(text) }
        }
        return addresses
    }

    /// Whether a TCP connection to `host:port` is accepted.
    static func accepts(_ host: String, _ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    @Test("1: the default listen address is 127.0.0.1:9090, and a loopback listener accepts nothing on other interfaces")
    func loopbackOnly() async throws {
        #expect(VigilConfig().memory.listenAddress == "127.0.0.1:9090")
        let server = try await MembraneTestServer()
        // Served on loopback (through a real client: a bare TCP connect and close races the server's shutdown in
        // grpc-swift-nio-transport and trips a NIO assertion)…
        let metrics = try await server.withClient { client in
            try await client.getMetrics(.init(), metadata: ["authorization": "Bearer K"])
        }
        #expect(!metrics.snapshot.isEmpty)
        // …and refused on every other interface, so no channel is ever opened there.
        for address in Self.externalAddresses() {
            #expect(!Self.accepts(address, server.port), "\(address):\(server.port) accepted a connection")
        }
    }
}
