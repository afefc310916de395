// swift-tools-version:6.0
import PackageDescription

// The engine is single-threaded and touches its own state only; runtime exclusivity checks
// cost about a fifth of its time per line, so release builds leave them to the compiler.
let hotPathSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "spanlog",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "spanlog", targets: ["spanlog"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Pure Swift: markers, spans, lines, records, renderers, capture files.
        // Knows nothing about the kernel or journald, so it is tested without root.
        .target(name: "SpanlogCore", swiftSettings: hotPathSettings),

        // The kernel side: loads the BPF program with libbpf, polls its ring buffer, and turns
        // samples into the core's raw events. Only the collector knows about libbpf.
        .target(
            name: "CSpanlogBPF",
            linkerSettings: [.linkedLibrary("bpf"), .linkedLibrary("elf"), .linkedLibrary("z")]
        ),
        .target(
            name: "SpanlogCollector",
            dependencies: ["SpanlogCore", "CSpanlogBPF"],
            plugins: ["EmbedBPFObject"]
        ),
        .executableTarget(name: "spanlog-bpf-embed", path: "Tools/spanlog-bpf-embed"),
        .executableTarget(name: "spanlog-build-info", path: "Tools/spanlog-build-info"),
        .plugin(
            name: "EmbedBuildInfo",
            capability: .buildTool(),
            dependencies: ["spanlog-build-info"]
        ),
        .plugin(
            name: "EmbedBPFObject",
            capability: .buildTool(),
            dependencies: ["spanlog-bpf-embed"]
        ),

        // Rule files, the condition language, alerts and their throttling. Pure Swift plus YAML.
        .target(
            name: "SpanlogRules",
            dependencies: ["SpanlogCore", .product(name: "Yams", package: "Yams")]
        ),

        // Span analytics: --filter, latency summaries and histograms, the statsd output.
        .target(
            name: "SpanlogAnalytics",
            dependencies: ["SpanlogCore", "SpanlogRules", .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),

        // The journald output: the only module that knows libsystemd.
        .target(
            name: "CSpanlogJournal",
            linkerSettings: [.linkedLibrary("systemd")]
        ),
        .target(
            name: "SpanlogJournal",
            dependencies: ["SpanlogCore", "CSpanlogJournal"]
        ),

        // A session: a source (the collector or a capture file) → the engine → every output;
        // the poll loop, signals and the traced command. Only the runtime controls processes.
        .target(name: "CSpanlogProcess"),
        .target(
            name: "SpanlogRuntime",
            dependencies: ["SpanlogCore", "SpanlogCollector", "SpanlogRules", "SpanlogJournal", "SpanlogAnalytics",
                           "CSpanlogProcess",
                           .product(name: "Yams", package: "Yams")]
        ),

        // Argument parsing and wiring: builds a session, prints its errors, maps them to exit codes.
        .executableTarget(
            name: "spanlog",
            dependencies: [
                "SpanlogCore",
                "SpanlogRules",
                "SpanlogRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["EmbedBuildInfo"]
        ),
        .executableTarget(
            name: "spanlog-bench",
            dependencies: ["SpanlogCore", "SpanlogRules", "SpanlogRuntime"],
            path: "Benchmarks/spanlog-bench"
        ),

        .testTarget(
            name: "SpanlogCoreTests",
            dependencies: ["SpanlogCore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "SpanlogRulesTests",
            dependencies: ["SpanlogCore", "SpanlogRules"]
        ),
        .testTarget(
            name: "SpanlogAnalyticsTests",
            dependencies: ["SpanlogCore", "SpanlogRules", "SpanlogAnalytics"]
        ),
        .testTarget(
            name: "SpanlogJournalTests",
            dependencies: ["SpanlogCore", "SpanlogJournal"]
        ),
        .testTarget(
            name: "SpanlogRuntimeTests",
            dependencies: ["SpanlogCore", "SpanlogRuntime"]
        ),
        // Real BPF programs attached to real processes: needs root, BTF and tracepoints, and
        // skips with the reason when they are missing.
        .testTarget(
            name: "SpanlogCollectorTests",
            dependencies: ["SpanlogCore", "SpanlogCollector"],
            resources: [.copy("Workloads")]
        ),
    ]
)
