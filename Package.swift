// swift-tools-version: 6.1
import PackageDescription

/// Upcoming features we opt into, as Hummingbird does.
let upcoming: [SwiftSetting] = [
    // SE-0335: `any` for existential types.
    .enableUpcomingFeature("ExistentialAny"),
    // SE-0444: member lookup only through modules the file imports.
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// What a target needs to speak gRPC with the generated membrane.v1 code.
let grpcClient: [Target.Dependency] = [
    "MembraneProto",
    .product(name: "GRPCCore", package: "grpc-swift-2"),
    .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
    .product(name: "SwiftProtobuf", package: "swift-protobuf"),
]

let package = Package(
    name: "vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "VigilCore", targets: ["VigilCore"]),
        .library(name: "VigilSDK", targets: ["VigilSDK"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", exact: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
    ],
    targets: [
        /// The raw sqlite3 C API: the SQLite store's checkpoint hook and the benchmark's baseline.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        /// The rules (decisions, memory, policies, products, identity, config) and the store *interface*: no SQL.
        .target(
            name: "VigilCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: upcoming
        ),
        /// The default store: one SQLite file through GRDB (migrations, FTS5, group commit, background checkpoints).
        .target(
            name: "VigilStoreSQLite",
            dependencies: ["VigilCore", "CSQLite", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: upcoming
        ),
        /// libpq, PostgreSQL's own C client, through a system-library shim; only VigilStorePostgres imports it.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        /// The same store on PostgreSQL, for several servers on one database: migrations, full-text search ranked as
        /// FTS5 ranks, row locks for chain heads, LISTEN/NOTIFY for live dashboards.
        .target(
            name: "VigilStorePostgres",
            dependencies: ["VigilCore", "CLibPQ"],
            swiftSettings: upcoming
        ),
        /// Opens the store a location names (a SQLite path or a database URL): the one place that knows every store.
        .target(
            name: "VigilStores",
            dependencies: ["VigilCore", "VigilStoreSQLite", "VigilStorePostgres"],
            swiftSettings: upcoming
        ),
        /// Generated protobuf and gRPC code for membrane.v1 (regenerate with scripts/generate-protos.sh).
        .target(
            name: "MembraneProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        /// What a host publishes at GET /metrics: swift-metrics on its own Prometheus registry, plus the store's figures.
        .target(
            name: "VigilMetrics",
            dependencies: [
                "VigilCore",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: upcoming
        ),
        /// The wire endpoints: TraceMem's MCP (JSON-RPC over HTTP) and Membrane's gRPC.
        .target(
            name: "VigilServer",
            dependencies: [
                "VigilCore",
                "VigilMetrics",
                "MembraneProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        /// Clients for remote endpoints: TraceMem's MCP over HTTP and Membrane's gRPC.
        .target(
            name: "VigilRemote",
            dependencies: grpcClient + [
                "VigilCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        /// The Swift SDK: `TraceMemClient` and `MembraneClient`, mirrors of the published Python clients, over the
        /// engines in-process or remote endpoints.
        .target(
            name: "VigilSDK",
            dependencies: grpcClient + ["VigilCore", "VigilRemote", "VigilStores"],
            swiftSettings: upcoming
        ),
        /// `vigil gate`: a coding agent's hook (Claude Code, Codex) answered by vigil's policies and operators.
        .target(
            name: "VigilGate",
            dependencies: ["VigilCore", "VigilRemote"],
            swiftSettings: upcoming
        ),
        /// `vigil demo`: a seeded store and simulated agents that speak the real protocols over loopback.
        .target(
            name: "VigilDemo",
            dependencies: ["VigilCore", "VigilStores", "VigilSDK"],
            swiftSettings: upcoming
        ),
        .target(
            name: "VigilBench",
            dependencies: [
                "VigilCore", "VigilStores", "VigilStoreSQLite", "VigilStorePostgres", "VigilServer", "MembraneProto", "CSQLite", "VigilTUI",
                "VigilDashboard",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilCore",
                "VigilStores",
                "VigilStoreSQLite",
                "VigilBench",
                "VigilDemo",
                "VigilGate",
                "VigilRemote",
                "VigilServer",
                "VigilTUI",
                "VigilDashboard",
                "VigilTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        /// The seeds' quick starts in Swift, run by the tests against `vigil serve` (see Examples/).
        .executableTarget(name: "DecisionQuickStart", dependencies: ["VigilSDK"], path: "Examples/DecisionQuickStart", swiftSettings: upcoming),
        .executableTarget(name: "SecretsApproval", dependencies: ["VigilSDK"], path: "Examples/SecretsApproval", swiftSettings: upcoming),
        .executableTarget(name: "MemoryQuickStart", dependencies: ["VigilSDK"], path: "Examples/MemoryQuickStart", swiftSettings: upcoming),
        /// ncursesw through a system-library shim; only VigilTerminal imports it.
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw", providers: [.apt(["libncurses-dev"])]),
        /// libc's wcwidth, which ncurses uses too, so the cell grid and the terminal agree.
        .target(name: "CDisplayWidth", path: "Sources/CDisplayWidth"),
        /// The dashboard's pure parts: state and reducer, keymap, themes, the cell grid and the views.
        .target(
            name: "VigilTUI",
            dependencies: ["VigilCore", "CDisplayWidth"],
            swiftSettings: upcoming
        ),
        /// Where the dashboard's data comes from: the local store (SQLite or PostgreSQL, live by the store's change
        /// signal) or a remote vigil over its endpoints. No curses.
        .target(
            name: "VigilDashboard",
            dependencies: ["VigilTUI", "VigilCore", "VigilRemote", "VigilSDK"],
            swiftSettings: upcoming
        ),
        /// The only code that calls curses, and the dashboard's run loop.
        .target(
            name: "VigilTerminal",
            dependencies: ["VigilTUI", "VigilCore", "VigilDashboard", "CNcursesw", "CDisplayWidth"],
            swiftSettings: upcoming
        ),
        .target(
            name: "VigilTestSupport",
            dependencies: [
                "VigilCore", "VigilStoreSQLite", "VigilStorePostgres", "VigilStores", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilCoreTests",
            dependencies: ["VigilCore", "VigilStorePostgres", "VigilStoreSQLite", "VigilTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilServerTests",
            dependencies: [
                "VigilCore", "VigilServer", "VigilMetrics", "VigilRemote", "VigilTestSupport", "MembraneProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilTUITests",
            dependencies: ["VigilTUI", "VigilCore", "VigilTestSupport", "CDisplayWidth"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilDashboardTests",
            dependencies: ["VigilDashboard", "VigilCore", "VigilServer", "VigilTUI", "VigilTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilGateTests",
            dependencies: ["VigilGate", "VigilCore", "VigilTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "VigilCLITests",
            dependencies: ["VigilCore", "VigilStoreSQLite", "VigilSDK", "VigilDemo", "VigilTestSupport"],
            swiftSettings: upcoming
        ),
    ]
)
