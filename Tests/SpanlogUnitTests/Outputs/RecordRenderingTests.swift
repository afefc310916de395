import SpanlogTestSupport
import Foundation
import Testing
@testable import SpanlogCore
@testable import SpanlogOutputs

@Suite struct JSONRecordTests {
    /// Runs a small session through the JSON renderer and parses every line back.
    func renderedObjects(_ build: (EngineHarness) -> Void) throws -> [[String: Any]] {
        let output = MemoryOutput()
        let harness = EngineHarness()
        let renderer = JSONRenderer(output: output)
        harness.collector.records.removeAll()
        build(harness)
        harness.stop()
        for record in harness.collector.records { renderer.emit(record) }
        renderer.finish()
        return try output.text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test func lineRecordHasEveryFieldWithItsType() throws {
        let objects = try renderedObjects { h in
            h.start(pid: 10, comm: "checkout")
            h.marker(">:t:checkout:user=42:\n", pid: 10, tid: 11)
            h.write("ERROR: card declined\n", pid: 10, tid: 11, target: .stderr)
        }
        let line = try #require(objects.first { $0["type"] as? String == "line" })
        #expect(Set(line.keys) == ["type", "ts", "pid", "tid", "comm", "stream", "text", "level", "truncated", "span"])
        #expect(line["pid"] as? Int == 10)
        #expect(line["tid"] as? Int == 11)
        #expect(line["comm"] as? String == "checkout")
        #expect(line["stream"] as? String == "stderr")
        #expect(line["text"] as? String == "ERROR: card declined")
        #expect(line["level"] as? String == "error")
        #expect(line["truncated"] as? Bool == false)
        let span = try #require(line["span"] as? [String: Any])
        #expect(Set(span.keys) == ["uid", "id", "tags"])
        #expect(span["id"] as? Int == 11)
        #expect(span["tags"] as? [String] == ["checkout"])
        #expect((span["uid"] as? String)?.hasPrefix("0000abcd-") == true)
        let ts = try #require(line["ts"] as? String)
        #expect(ts.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z/) != nil)
    }

    @Test func fileLineCarriesItsPathAndOthersDoNot() throws {
        let objects = try renderedObjects { h in
            h.start(pid: 10)
            h.write("to file\n", pid: 10, target: .file(device: 8, inode: 99), path: "/var/log/app.log")
            h.stdout("to stdout\n", pid: 10)
        }
        let lines = objects.filter { $0["type"] as? String == "line" }
        #expect(lines[0]["path"] as? String == "/var/log/app.log")
        #expect(lines[0]["stream"] as? String == "file")
        #expect(lines[1]["path"] == nil)
        #expect(lines[1]["span"] is NSNull)
        #expect(lines[1]["level"] is NSNull)
    }

    @Test func spanRecordHasEveryFieldWithItsType() throws {
        let objects = try renderedObjects { h in
            h.start(pid: 10, comm: "api", container: "0123456789ab")
            h.marker(">:t:req::\n", pid: 10)
            h.marker(">:t:req.db:table=users,table=dup:\n", pid: 10)
            h.stdout("query\n", pid: 10)
            h.marker("<:t:req.db:rows=3:\n", pid: 10)
            h.marker("<:t:req::\n", pid: 10)
        }
        let spans = objects.filter { $0["type"] as? String == "span" }
        #expect(spans.count == 2)
        let db = spans[0], req = spans[1]
        #expect(Set(db.keys) == ["type", "uid", "id", "tags", "parent", "trace_id", "span_id", "parent_span_id", "depth", "pid",
                                 "tid", "comm", "start", "end", "duration_ns", "enter_args", "exit_args", "lines", "errors", "errors_total", "outcome", "failure", "end_reason", "container",
                                 "io"])
        #expect(db["io"] as? [String: Int] == ["stdout_lines": 1, "stdout_bytes": 5, "stderr_lines": 0, "stderr_bytes": 0,
                                               "file_lines": 0, "file_bytes": 0])
        #expect(db["tags"] as? [String] == ["req", "db"])
        #expect(db["parent"] as? String == req["uid"] as? String)
        #expect(req["parent"] is NSNull)
        // One trace: the child's parent span is the parent's span; the root has none.
        #expect(db["trace_id"] as? String == req["trace_id"] as? String && (req["trace_id"] as? String)?.count == 32)
        #expect(db["parent_span_id"] as? String == req["span_id"] as? String && (req["span_id"] as? String)?.count == 16)
        #expect(req["parent_span_id"] == nil)
        #expect(db["depth"] as? Int == 1)
        #expect(db["enter_args"] as? [String: String] == ["table": "users"], "the first of duplicated names wins")
        #expect(db["exit_args"] as? [String: String] == ["rows": "3"])
        #expect(db["lines"] as? Int == 1)
        #expect(db["errors"] as? Int == 0)
        #expect(db["end_reason"] as? String == "exit_marker")
        #expect(db["outcome"] as? String == "ok")
        #expect(db["failure"] as? [String] == [])
        #expect(db["container"] as? String == "0123456789ab")
        #expect(db["comm"] as? String == "api")
        let duration = try #require(db["duration_ns"] as? Int)
        #expect(duration > 0)
    }

    /// A container runtime forks in its own cgroup, then moves the child into the container's.
    @Test func spansTakeTheContainerTheirProcessMovedInto() throws {
        let h = EngineHarness()
        h.start(pid: 20, comm: "runc")
        h.marker(">:p:before::\n", pid: 20)
        h.marker("<:p:before::\n", pid: 20)
        h.moveToContainer(pid: 20, container: "feedface")
        h.marker(">:p:inside::\n", pid: 20)
        h.marker("<:p:inside::\n", pid: 20)
        #expect(try #require(h.collector.span("before")).container == nil)
        #expect(try #require(h.collector.span("inside")).container == "feedface")
    }

    @Test func warningAndStatsRecords() throws {
        let objects = try renderedObjects { h in
            h.start(pid: 10)
            h.marker("<:t:nothing::\n", pid: 10)
            h.engine.process(.lost(timestamp: h.clock + 1, count: 3))
        }
        let warnings = objects.filter { $0["type"] as? String == "warning" }
        #expect(warnings.map { $0["kind"] as? String } == ["unmatched_exit", "lost_events"])
        #expect(warnings[0]["pid"] as? Int == 10)
        #expect(warnings[1]["count"] as? Int == 3)
        let stats = try #require(objects.last)
        #expect(stats["type"] as? String == "stats")
        #expect(stats["lost_events"] as? Int == 3)
        #expect(stats["unmatched_exits"] as? Int == 1)
        #expect(stats["markers"] as? Int == 1)
    }

    @Test func textIsEscapedAndInvalidUTF8IsRecoverable() throws {
        let output = MemoryOutput()
        let buffer = ByteBuffer()
        JSONEscaper.appendBytes([0x61, 0x22, 0x5C, 0x0A, 0x01, 0xC3, 0xA9, 0xFF, 0x62][...], to: buffer)
        buffer.drain(to: output)
        #expect(output.text == #""a\"\\\n\u0001é\udcffb""#)
    }

    @Test func timestampsAreRFC3339UTCWithNanoseconds() {
        let formatter = TimestampFormatter()
        let buffer = ByteBuffer()
        var copy = formatter
        copy.append(1_795_000_000_123_456_789, to: buffer)
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == "2026-11-18T11:06:40.123456789Z")
        #expect(TimestampFormatter.dateTime(0) == "1970-01-01T00:00:00")
        #expect(TimestampFormatter.dateTime(951_782_400) == "2000-02-29T00:00:00")
    }
}

@Suite struct TextRendererTests {
    @Test func groupedViewNestsChildrenUnderTheirParent() {
        let h = EngineHarness()
        h.start(pid: 10, comm: "api")
        h.marker(">:t:req:user=42:\n", pid: 10)
        h.stdout("in req\n", pid: 10)
        h.marker(">:t:req.db::\n", pid: 10)
        h.stdout("in db\n", pid: 10)
        h.marker("<:t:req.db::\n", pid: 10)
        h.marker("<:t:req:status=200:\n", pid: 10)
        h.stdout("outside\n", pid: 10)
        let output = MemoryOutput()
        let renderer = TextRenderer(output: output, mode: .grouped, color: false)
        for record in h.collector.records { renderer.emit(record) }
        renderer.finish()
        let lines = output.text.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix("> req#1  ok  "))
        #expect(lines[0].contains("user=42 -> status=200"))
        #expect(lines[1].hasPrefix("    ") && lines[1].hasSuffix("in req"))
        #expect(lines[2].hasPrefix("    > req.db#2  ok"))
        #expect(lines[3].hasPrefix("        ") && lines[3].hasSuffix("in db"))
        #expect(lines[4].hasSuffix("outside"))
    }

    @Test func liveViewPrefixesEachLineWithItsSpan() {
        let h = EngineHarness()
        h.start(pid: 10, comm: "api")
        h.marker(">:t:req::\n", pid: 10)
        h.stdout("hello\n", pid: 10)
        let output = MemoryOutput()
        let renderer = TextRenderer(output: output, mode: .live, color: false)
        for record in h.collector.records { renderer.emit(record) }
        renderer.finish()
        #expect(output.text.contains(" req#1 api[10] out  hello\n"))
    }

    @Test(arguments: [
        ([("status", "500")], true), ([("status", "404")], false), ([("status", "Failed")], true),
        ([("error", "")], true), ([("ok", "False")], true), ([("success", "true")], false),
        ([("result", "failure")], true), ([("status", "200"), ("status", "500")], false),
        ([("note", "error")], false),
    ])
    func exitArgumentsThatMeanFailure(args: [(String, String)], failed: Bool) {
        let exitArgs = MarkerArgs(args.map { (name: $0.0, value: $0.1) })
        #expect(SpanOutcome.exitReportsFailure(exitArgs) == failed, "a repeated name counts by its first value")
        let outcome = SpanOutcome(endReason: .exitMarker, errorsTotal: 0, exitArgs: exitArgs)
        #expect(outcome.description(endReason: .exitMarker) == (failed ? "failed (exit status)" : "ok"))
    }

    @Test func durationsReadNaturally() {
        #expect(DurationFormatter.string(nanoseconds: 999) == "999ns")
        #expect(DurationFormatter.string(nanoseconds: 1_500) == "1.5µs")
        #expect(DurationFormatter.string(nanoseconds: 250_000_000) == "250ms")
        #expect(DurationFormatter.string(nanoseconds: 2_340_000_000) == "2.3s")
        #expect(ByteCountFormatter.string(bytes: 850) == "850B")
        #expect(ByteCountFormatter.string(bytes: 10_000) == "9.8KiB")
        #expect(ByteCountFormatter.string(bytes: 4 * 1024 * 1024) == "4MiB")
    }
}
