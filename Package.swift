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

        .executableTarget(
            name: "spanlog",
            dependencies: [
                "SpanlogCore",
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
    ]
)
