import SpanlogTestSupport
import Foundation
import SpanlogAnalytics
@testable import SpanlogCore
@testable import SpanlogOutputs
import SpanlogRules
import Testing

/// The docs held to the code where a test can: the module table against Package.swift, the
/// stats counters and the span record's fields against what the code writes, the LICENSE
/// against the BPF program's declared license.
@Suite struct DocumentationTests {
    static let repository = Repository.root

    static func read(_ path: String) throws -> String {
        try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
    }

    /// The backquoted names in the first column of the table that starts with `header`.
    static func firstColumn(of header: String, in text: String) throws -> Set<String> {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex(of: header), "no table '\(header)'")
        var names = Set<String>()
        for line in lines[(start + 2)...] {
            guard line.hasPrefix("|") else { break }
            let cell = line.split(separator: "|", omittingEmptySubsequences: false)[1]
            for piece in cell.split(separator: "`").enumerated() where piece.offset % 2 == 1 {
                names.insert(String(piece.element))
            }
        }
        return names
    }

    @Test func theModuleTableNamesEveryTargetOfThePackage() throws {
        let manifest = try Self.read("Package.swift")
        let targets = Set(manifest.matches(of: /\.(?:target|executableTarget|plugin)\(\s*name: "([^"]+)"/).map { String($0.output.1) })
        let documented = try Self.firstColumn(of: "| module | job | imports |", in: Self.read("docs/architecture.md"))
        #expect(targets == documented, "in Package.swift only: \(targets.subtracting(documented)); in the docs only: \(documented.subtracting(targets))")
    }

    /// The kernel is told the BPF program's license; the repository's LICENSE must grant it,
    /// and every BPF source must say so.
    @Test func theLicenseFileMatchesTheLicenseTheBPFProgramDeclares() throws {
        let program = try Self.read("bpf/spanlog.bpf.c")
        let declared = try #require(program.firstMatch(of: /SEC\("license"\) = "([^"]+)"/)?.output.1)
        #expect(declared == "Dual BSD/GPL")
        let license = try Self.read("LICENSE")
        #expect(license.contains("\"\(declared)\""))
        #expect(license.contains("BSD 2-Clause License") && license.contains("GNU GENERAL PUBLIC LICENSE"))
        let sources = try FileManager.default.contentsOfDirectory(atPath: Self.repository.appendingPathComponent("bpf").path)
        for source in sources where source.hasSuffix(".c") || source.hasSuffix(".h") {
            #expect(try Self.read("bpf/\(source)").hasPrefix("// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only")
                        || Self.read("bpf/\(source)").hasPrefix("/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */"),
                    "bpf/\(source) has no SPDX line")
        }
    }

    @Test func theCounterTableListsEveryStatsCounter() throws {
        // Every processor that counts, each counting: all the counter names a stats record can have.
        let processors: [RecordProcessor] = [RuleEvaluator(try RuleSet.load([])),
                                             SpanFilter(try RuleSet.compileFilter("span.depth = 0"))]
        var counters = ProcessorCounters()
        for processor in processors { processor.count(into: &counters) }
        let names: [String] = EngineStats().fields.map(\.name) + counters.fields.map(\.name)
        let written = Set(names + ["outputs", "collector"])
        let documented = try Self.firstColumn(of: "| counter | what it counts |", in: Self.read("docs/records.md"))
        #expect(written == documented, "undocumented: \(written.subtracting(documented)); no longer written: \(documented.subtracting(written))")
    }

    @Test func theSpanFieldTableListsEveryFieldOfASpanRecord() throws {
        let trace = TraceContext(traceHigh: 1, traceLow: 2, spanID: 3, parentSpanID: 4)
        var span = SpanRecord(summary: SpanSummary(uid: SpanUID(session: 1, sequence: 1), id: 1, tags: ["a"], trace: trace), parent: nil,
                              depth: 0, pid: 1, tid: 1, comm: "x", start: 0, end: 1, enterArgs: [], exitArgs: [], lines: 0,
                              errors: 0, errorsTotal: 0, endReason: .exitMarker, container: nil, parentIsOpen: false)
        span.alerts = 1
        span.io.syscalls = ThreadIO(readBytes: 1, writtenBytes: 1, reads: 1, writes: 1)
        let output = MemoryOutput()
        let renderer = JSONRenderer(output: output)
        renderer.emit(.span(span))
        renderer.finish()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.bytes)) as? [String: Any])
        let documented = try Self.firstColumn(of: "| field | meaning |", in: Self.read("docs/records.md"))
        #expect(Set(object.keys) == documented, "undocumented: \(Set(object.keys).subtracting(documented))")
        // The io object's fields are named in its row.
        let text = try Self.read("docs/records.md")
        let ioRow = try #require(text.split(separator: "\n").first { $0.hasPrefix("| `io` |") })
        for key in (object["io"] as? [String: Any] ?? [:]).keys {
            #expect(ioRow.contains("`\(key)`"), "io.\(key) is not documented")
        }
    }
}
