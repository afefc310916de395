import SpanlogTestSupport
import Foundation
import Testing

/// `bash scripts/bench.sh --quick`: the benchmark command still runs end to end and prints
/// every row of its table. Its figures are not checked (tiny sizes, a shared machine, and the
/// test's own debug build: a release build from inside `swift test` would wait for its lock).
@Suite(.serialized, .enabled(if: KernelSupport.available, Comment(rawValue: KernelSupport.skipReason ?? "")))
struct BenchmarkScriptTests {
    @Test func theQuickRunPrintsTheWholeTable() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["scripts/bench.sh", "--quick"]
        process.currentDirectoryURL = ReadmeSnippetTests.repository
        var environment = ProcessInfo.processInfo.environment
        environment["SPANLOG_BENCH_BIN"] = SpanlogBinary.url.deletingLastPathComponent().path
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| measure") }
        for measure in ["marker write", "unrelated write", "untraced process", "lossless line rate", "marker flood",
                        "replay to JSON", "replay to OTLP", "spanlog top in a", "spanlog top redraw", "peak RSS", "start-up"] {
            let row = rows.first { $0.contains(measure) }
            #expect(row != nil, "no \(measure) row in:\n\(text)")
            // spanlog's own figure is always there: the first value holds a digit.
            let value = row?.split(separator: "|").dropFirst().first ?? ""
            #expect(value.contains { $0.isNumber }, "\(measure): \(value)")
        }
    }
}
