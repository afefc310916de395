// swift-tools-version:6.0
import PackageDescription

// The engine is single-threaded and touches its own state only; runtime exclusivity checks
// cost about a fifth of its time per line, so release builds leave them to the compiler. The
// renderers live in SpanlogOutputs and call the core's small functions on every record:
// cross-module optimization lets them inline those as if they were one module.
let hotPathSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release)),
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
        // Pure Swift: markers, the engine (spans, lines, attribution), records, the fan-out to
        // outputs, capture files. Knows nothing about the kernel or journald, so it is tested
        // without root.
        .target(name: "SpanlogCore", swiftSettings: hotPathSettings),

        // The kernel side: loads the BPF program with libbpf through its generated skeleton
        // (scripts/gen-skeleton.sh), polls its ring buffer, and turns samples into the core's raw
        // events. Only the collector knows about libbpf.
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

        // Span analytics: --filter, latency summaries and histograms (processors on the fan-out).
        .target(
            name: "SpanlogAnalytics",
            dependencies: ["SpanlogCore", "SpanlogRules"]
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

        // Every output, one folder each (Text, JSON, Statsd, OTLP, Descriptor, Lint), and the factory
        // that opens them from `--output` words. journald's entries and delivery stay in
        // SpanlogJournal, so that only that module knows libsystemd.
        .target(
            name: "SpanlogOutputs",
            dependencies: ["SpanlogCore", "SpanlogJournal"],
            swiftSettings: hotPathSettings
        ),

        // A session: a source (the collector or a capture file) → the engine → every output;
        // the poll loop, signals and the traced command. Only the runtime controls processes.
        .target(name: "CSpanlogProcess"),
        .target(
            name: "SpanlogRuntime",
            dependencies: ["SpanlogCore", "SpanlogCollector", "SpanlogRules", "SpanlogJournal", "SpanlogAnalytics",
                           "SpanlogOutputs", "CSpanlogProcess",
                           .product(name: "Yams", package: "Yams")]
        ),

        // `spanlog top`: the live span browser. Its model and views are pure Swift; the screen is
        // ncursesw, wrapped in C because its interface is mostly macros and globals.
        .target(
            name: "CSpanlogTerminal",
            linkerSettings: [.linkedLibrary("ncursesw"), .linkedLibrary("tinfo")]
        ),
        .target(
            name: "SpanlogTop",
            dependencies: ["SpanlogCore", "SpanlogAnalytics", "SpanlogRules", "SpanlogOutputs", "SpanlogRuntime",
                           "CSpanlogTerminal"],
            // Its model takes every record of the session, as an output does.
            swiftSettings: hotPathSettings
        ),

        // Argument parsing and wiring: builds a session, prints its errors, maps them to exit codes.
        .executableTarget(
            name: "spanlog",
            dependencies: [
                "SpanlogCore",
                "SpanlogRules",
                "SpanlogRuntime",
                "SpanlogOutputs",
                "SpanlogTop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["EmbedBuildInfo"]
        ),
        .executableTarget(
            name: "spanlog-bench",
            dependencies: ["SpanlogCore", "SpanlogRules", "SpanlogRuntime", "SpanlogOutputs", "SpanlogTop"],
            path: "Benchmarks/spanlog-bench"
        ),

        // Tests come in three kinds, each its own target, with one place for what they share.
        // What the tests share: the binary runner, workloads, engine and capture fixtures. A plain
        // target, built by `swift build` too, so it uses nothing internal (no @testable import).
        .target(
            name: "SpanlogTestSupport",
            dependencies: ["SpanlogCore"],
            path: "Tests/SpanlogTestSupport",
            resources: [.copy("Workloads")]
        ),
        // Pure Swift, in process, no root: one folder per module under test.
        .testTarget(
            name: "SpanlogUnitTests",
            dependencies: ["SpanlogTestSupport", "SpanlogCore", "SpanlogRules", "SpanlogAnalytics", "SpanlogOutputs",
                           "SpanlogJournal", "SpanlogRuntime", "SpanlogTop",
                           // The reference SparseHDRHistogram's figures are checked against.
                           .product(name: "Histogram", package: "hdrhistogram-swift")],
            resources: [.copy("Fixtures")]
        ),
        // The built spanlog binary, run as a user runs it: commands, journald, recipes, the
        // README's snippets. Those that capture need root, and skip with the reason without it.
        .testTarget(
            name: "SpanlogEndToEndTests",
            dependencies: ["SpanlogTestSupport", "SpanlogCore", "SpanlogRuntime"]
        ),
        // The BPF program on this kernel: loading, layout, limits, what it captures. Needs root,
        // BTF and tracepoints, and skips with the reason when they are missing; the kernel
        // matrix runs these on other kernels.
        .testTarget(
            name: "SpanlogKernelTests",
            dependencies: ["SpanlogTestSupport", "SpanlogCore", "SpanlogCollector"]
        ),
    ]
)
