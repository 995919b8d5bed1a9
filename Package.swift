// swift-tools-version:6.0
import PackageDescription

/// flowtrail: a flow-log time-series store and query server for Cilium Hubble.
/// Each library target is one concern; the `flowtrail` executable is a thin CLI over them.
/// The byte-crunching modules are optimised in debug builds too: tests run ingest end to end
/// on hundreds of thousands of flows, which -Onone makes ten times slower.
/// Dynamic exclusivity checks cost ~12% of ingest time in profiles (every ByteBuffer append);
/// these modules keep their buffers confined to one thread.
let optimised: [SwiftSetting] = [
    .unsafeFlags(["-O"], .when(configuration: .debug)),
    .unsafeFlags(["-enforce-exclusivity=unchecked"]),
]

let package = Package(
    name: "flowtrail",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "flowtrail", targets: ["flowtrail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // C libraries from Debian: SQLite (libsqlite3-dev), zstd (libzstd-dev), zlib (zlib1g-dev).
        // SwiftPM names the package to install when one is missing (scripts/setup installs them).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CSQLiteTuning", linkerSettings: [.linkedLibrary("sqlite3")]),
        // A C interface to RE2 (libre2-dev), for CEL's matches().
        .target(name: "CRE2", linkerSettings: [.linkedLibrary("re2")]),

        // Flow model: field catalog, proto schema, byte-level decoder, canonical JSON.
        .target(name: "FlowModel", swiftSettings: optimised),
        // Deterministic realistic Hubble traffic for tests, demo and benchmarks.
        .target(name: "FlowGen", dependencies: ["FlowModel"], swiftSettings: optimised),
        // SQLite store: migrations, partitions, dictionaries, compressed residual blocks.
        .target(
            name: "FlowStore",
            dependencies: ["FlowModel", "CSQLite", "CSQLiteTuning", "CZstd"],
            swiftSettings: optimised,
            plugins: ["EmbedMigrations"]
        ),
        // Query language: parser, checker, SQL compiler, reference interpreter, engine.
        .target(
            name: "FlowQuery", dependencies: ["FlowModel", "FlowStore", "CSQLite", "CRE2"],
            swiftSettings: optimised, plugins: ["EmbedMigrations"]
        ),
        // Ingest: sources (file, .gz, stdin, followed file), batching, exactly-once positions.
        .target(name: "FlowIngest", dependencies: ["FlowModel", "FlowStore", "CZlib"], swiftSettings: optimised),
        // Export: chosen catalog fields as CSV or NDJSON, streamed in bounded chunks.
        .target(name: "FlowExport", dependencies: ["FlowModel", "FlowQuery"], swiftSettings: optimised),
        // Reports: what default-deny would block, suggested policies, traffic summaries.
        .target(name: "FlowReports", dependencies: ["FlowModel", "FlowStore", "FlowQuery", "FlowPolicy"]),
        // Policy simulation: CNP/CCNP/KNP parsed into entries, evaluated as Cilium 1.19 decides
        // (docs/SIMULATE.md; the semantics in shared/docs/cilium-policy-semantics.md).
        .target(
            name: "FlowPolicy",
            dependencies: ["FlowModel", "FlowQuery", .product(name: "Yams", package: "Yams")]
        ),
        // ClickHouse as a store (issue 16, in progress): store URLs, the one quoting function,
        // the HTTP interface through AsyncHTTPClient (docs/clickhouse-18.16-notes.md).
        .target(
            name: "FlowClickHouse",
            dependencies: [
                "FlowModel", "FlowStore", "FlowIngest", "FlowQuery", "FlowReports", "FlowPolicy",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            // Swift 5 mode: the synchronous CLI and ingest thread wait on AsyncHTTPClient's
            // answers (ClickHouseSession), which strict Sendable checking cannot express.
            swiftSettings: [.swiftLanguageMode(.v5)],
            // migrations/clickhouse/*.sql go into the binary.
            plugins: ["EmbedMigrations"]
        ),
        // Hubble's flow.proto and observer.proto messages (generated: scripts/generate-protos).
        .target(name: "HubbleProtos", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Speaking Hubble: FlowFilters (from hubble observe's flags, JSON or gRPC) compiled into
        // the query language, and flows printed as hubble observe prints them.
        .target(
            name: "FlowHubble",
            dependencies: ["FlowModel", "FlowQuery", "HubbleProtos", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // HTTP API on Hummingbird: flows, follow, export, saved queries, push ingest, metrics;
        // and Hubble's gRPC Observer API (GRPC/) on grpc-swift-2 over the same readers.
        .target(
            name: "FlowServer",
            dependencies: [
                "FlowModel", "FlowStore", "FlowIngest", "FlowQuery", "FlowExport", "FlowReports", "FlowPolicy",
                "FlowHubble", "HubbleProtos", "FlowClickHouse",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The web page (web/) goes into the binary.
            plugins: ["EmbedMigrations"]
        ),
        // The CLI.
        .executableTarget(
            name: "flowtrail",
            dependencies: [
                "FlowModel", "FlowGen", "FlowStore", "FlowIngest", "FlowQuery", "FlowExport", "FlowReports", "FlowServer", "FlowPolicy",
                "FlowHubble", "HubbleProtos", "FlowClickHouse",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),

        // Build-time tool: embeds migrations/*.sql into FlowStore and queries/*.cel into FlowQuery.
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["MigrationEmbedder"]),

        .testTarget(name: "FlowModelTests", dependencies: ["FlowModel", "FlowGen"]),
        .testTarget(name: "FlowStoreTests", dependencies: ["FlowModel", "FlowGen", "FlowStore"]),
        .testTarget(name: "FlowQueryTests", dependencies: ["FlowModel", "FlowGen", "FlowStore", "FlowQuery", "FlowTestSupport"]),
        // Shared by the end-to-end test targets: scratch folders, running the built binary.
        .target(name: "FlowTestSupport", dependencies: ["FlowModel", "FlowGen", "FlowStore", "FlowQuery"], path: "Tests/FlowTestSupport"),
        .testTarget(name: "FlowIngestTests", dependencies: ["FlowModel", "FlowGen", "FlowStore", "FlowIngest", "FlowTestSupport"]),
        .testTarget(
            name: "FlowHubbleTests",
            dependencies: [
                "FlowHubble", "HubbleProtos", "FlowQuery", "FlowStore", "FlowServer", "FlowTestSupport",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "FlowClickHouseTests", dependencies: ["FlowClickHouse", "FlowTestSupport", "FlowModel", "FlowGen", "FlowStore", "FlowQuery", "FlowIngest", "FlowReports", "FlowHubble", "FlowPolicy"]),
        .testTarget(name: "FlowPolicyTests", dependencies: ["FlowPolicy", "FlowQuery", "FlowTestSupport"]),
        .testTarget(name: "FlowReportsTests", dependencies: ["FlowTestSupport", .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "FlowServerTests",
            dependencies: ["FlowModel", "FlowGen", "FlowStore", "FlowTestSupport", .product(name: "Yams", package: "Yams")]
        ),
    ],
    // Swift 5 mode: the C globals this tool uses (stderr, signal flags) trip Swift 6's strict
    // concurrency checking without making anything safer here.
    swiftLanguageModes: [.v5]
)
