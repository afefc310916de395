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
    ],
    targets: [
        // Pure Swift: markers, spans, lines, records, renderers, capture files.
        // Knows nothing about the kernel or journald, so it is tested without root.
        .target(name: "SpanlogCore", swiftSettings: hotPathSettings),

        // The kernel side: loads the BPF program with libbpf, polls its ring buffer, and turns
        // samples into the core's raw events. Only this module knows about libbpf.
        .target(
            name: "CSpanlogSupport",
            linkerSettings: [.linkedLibrary("bpf"), .linkedLibrary("elf"), .linkedLibrary("z")]
        ),
        .target(
            name: "SpanlogCollector",
            dependencies: ["SpanlogCore", "CSpanlogSupport"],
            plugins: ["EmbedBPFObject"]
        ),
        .executableTarget(name: "spanlog-bpf-embed", path: "Tools/spanlog-bpf-embed"),
        .plugin(
            name: "EmbedBPFObject",
            capability: .buildTool(),
            dependencies: ["spanlog-bpf-embed"]
        ),

        .executableTarget(
            name: "spanlog",
            dependencies: [
                "SpanlogCore",
                "SpanlogCollector",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "spanlog-bench",
            dependencies: ["SpanlogCore"],
            path: "Benchmarks/spanlog-bench"
        ),

        .testTarget(
            name: "SpanlogCoreTests",
            dependencies: ["SpanlogCore"],
            resources: [.copy("Fixtures")]
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
