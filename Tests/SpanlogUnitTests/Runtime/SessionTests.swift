import SpanlogTestSupport
import Foundation
import SpanlogCore
import SpanlogOutputs
import SpanlogRuntime
import Testing

/// Collects records in memory, as an embedder's own output would.
final class CollectingSink: RecordSink {
    var records: [Record] = []
    func emit(_ record: Record) { records.append(record) }
    func flush() {}
    func finish() {}
}

@Suite struct SessionTests {
    @Test func sessionFromCaptureFeedsEveryOutput() throws {
        let scratch = try Scratch()
        try CaptureFixture().write(to: scratch.url.appendingPathComponent("run.cap"))
        var configuration = SessionConfiguration(source: .capture(path: scratch.path("run.cap")))
        let sink = CollectingSink()
        configuration.outputs = [.json(path: scratch.path("records.jsonl"))]
        configuration.extraOutputs = [OutputChannel(name: "memory", sink: sink)]
        var notices: [SessionNotice] = []

        let outcome = try Session(configuration) { notices.append($0) }.run()

        let json = jsonRecords(try String(contentsOfFile: scratch.path("records.jsonl"), encoding: .utf8))
        #expect(json.filter { $0["type"] as? String == "line" }.count == 7)
        #expect(json.filter { $0["type"] as? String == "span" }.count == 3)
        // Both outputs got the same records, in the same order.
        #expect(sink.records.count == json.count)
        let sinkTexts = sink.records.compactMap { if case .line(let line) = $0 { line.textString } else { nil } }
        let jsonTexts = json.compactMap { $0["type"] as? String == "line" ? $0["text"] as? String : nil }
        #expect(sinkTexts == jsonTexts)
        #expect(outcome.stats?.lines == 7)
        #expect(outcome.outputs.map(\.name) == ["json:\(scratch.path("records.jsonl"))", "memory"])
        #expect(outcome.outputs.allSatisfy { $0.error == nil })
        #expect(notices.isEmpty)
        // The stats record carries each output's accounting.
        let stats = try #require(json.last { $0["type"] as? String == "stats" })
        let outputs = try #require(stats["outputs"] as? [[String: Any]])
        #expect(outputs.count == 2)
    }

    @Test func failingOutputIsReportedOnceAndTheOthersContinue() throws {
        let scratch = try Scratch()
        try CaptureFixture(requests: 200, linesPerRequest: 100).write(to: scratch.url.appendingPathComponent("run.cap"))
        var configuration = SessionConfiguration(source: .capture(path: scratch.path("run.cap")))
        configuration.outputs = [.json(path: "/dev/full"), .text(path: scratch.path("view.txt"))]
        var notices: [SessionNotice] = []

        let outcome = try Session(configuration) { notices.append($0) }.run()

        #expect(notices.count == 1)
        guard case .outputFailed(let name, let reason, _)? = notices.first else {
            Issue.record("expected one output failure, got \(notices)")
            return
        }
        #expect(name == "json:/dev/full")
        #expect(reason.contains("No space left"))
        let failed = try #require(outcome.outputs.first { $0.name == "json:/dev/full" })
        #expect(failed.failedWrites > 0 && failed.lostBytes > 0)
        let view = try String(contentsOfFile: scratch.path("view.txt"), encoding: .utf8)
        #expect(view.components(separatedBy: "\n").filter { $0.contains("request 199 line 99") }.count == 1)
        // The text view's own stats line names the failed output.
        #expect(view.contains("output json:/dev/full failed"))
    }

    @Test func twoOutputsOnStandardOutputAreRefused() throws {
        var configuration = SessionConfiguration(source: .capture(path: "/nonexistent"))
        configuration.outputs = [.json(path: nil), .text(path: nil)]
        #expect {
            _ = try Session(configuration).run()
        } throws: { error in
            (error as? SessionError)?.kind == .usage
        }
    }

    @Test func outputSpecsParse() throws {
        #expect(try OutputSpec(parsing: "text") == .text(path: nil))
        #expect(try OutputSpec(parsing: "json:-") == .json(path: nil))
        #expect(try OutputSpec(parsing: "json:/tmp/a:b.jsonl") == .json(path: "/tmp/a:b.jsonl"))
        #expect(throws: OutputError.self) { try OutputSpec(parsing: "xml") }
        #expect(throws: OutputError.self) { try OutputSpec(parsing: "json:") }
    }

    @Test func colourFollowsTheTerminalAndTheEnvironment() {
        let auto = TextViewStyle(color: .auto)
        #expect(auto.usesColor(isTerminal: true, environment: [:]))
        #expect(!auto.usesColor(isTerminal: false, environment: [:]))
        #expect(!auto.usesColor(isTerminal: true, environment: ["NO_COLOR": ""]))
        #expect(!auto.usesColor(isTerminal: true, environment: ["TERM": "dumb"]))
        #expect(TextViewStyle(color: .always).usesColor(isTerminal: false, environment: ["NO_COLOR": "1"]))
        #expect(!TextViewStyle(color: .never).usesColor(isTerminal: true, environment: [:]))
    }
}
