import SpanlogTestSupport
@testable import SpanlogCore
@testable import SpanlogOutputs
import Testing

/// A traced program must not be able to retitle, clear or split the terminal of whoever reads
/// the text view: every control byte it writes is shown escaped.
@Suite struct TextEscapingTests {
    func render(_ mode: TextRenderer.Mode, _ events: (EngineHarness) -> Void) -> String {
        let output = MemoryOutput()
        let harness = EngineHarness()
        events(harness)
        harness.stop()
        let renderer = TextRenderer(output: output, mode: mode, color: false)
        for record in harness.collector.records { renderer.emit(record) }
        renderer.finish()
        return output.text
    }

    @Test(arguments: [TextRenderer.Mode.live, .grouped])
    func controlBytesFromTracedProgramsAreShownEscaped(mode: TextRenderer.Mode) {
        let text = render(mode) { h in
            h.start(pid: 10, comm: "evil\u{1B}]0;pwned\u{07}")
            h.marker(">:t:job\u{1B}[2J:user=a\u{1B}[31mred,note=x\u{9B}y:\n", pid: 10)
            h.stdout("title \u{1B}]0;owned\u{07} clear \u{1B}[2J\u{1B}[H cr\rend\tTab\n", pid: 10)
            h.writeBytes(Array("bad \u{FF} utf8\n".utf8).map { $0 == 0xC3 ? 0xFF : $0 }, pid: 10, target: .file(device: 1, inode: 2),
                         path: "/tmp/a\nb.log")
            h.marker("<:t:job\u{1B}[2J::\n", pid: 10)
        }
        for byte: UInt8 in [0x1B, 0x07, 0x0D] { #expect(!text.utf8.contains(byte), "raw \(byte) reached the terminal") }
        #expect(!text.unicodeScalars.contains("\u{9B}"), "a C1 CSI reached the terminal")
        #expect(text.contains("title \\e]0;owned\\x07 clear \\e[2J\\e[H cr\\rend\tTab"))
        #expect(text.contains("job\\e[2J"))
        #expect(text.contains("user=a\\e[31mred"))
        #expect(text.contains("note=x\\u{9b}y"))
        #expect(text.contains("evil\\e]0;pwned\\x07"))
        #expect(text.contains("/tmp/a\\nb.log"))
        // Every record is still one line: no newline from the program split one.
        #expect(text.split(separator: "\n").allSatisfy { !$0.isEmpty })
    }
}

/// Found by the fuzzer: a capture whose clock offset puts events before 1970 (or at the ends of
/// the 64-bit range) crashed the text view's time of day and the JSON timestamp.
@Suite struct TimestampRegressionTests {
    @Test(arguments: [Int64.min, -1, -1_000_000_001, -86_400_000_000_001, Int64.max])
    func anyTimestampRenders(nanoseconds: Int64) {
        let line = LineRecord(timestamp: nanoseconds, pid: 1, tid: 1, comm: "a", stream: .stdout, path: nil,
                              text: Array("x".utf8)[...], level: nil, truncated: false, span: nil)
        let text = MemoryOutput(), json = MemoryOutput()
        let textRenderer = TextRenderer(output: text, mode: .live, color: false)
        let jsonRenderer = JSONRenderer(output: json)
        textRenderer.emit(.line(line))
        jsonRenderer.emit(.line(line))
        textRenderer.finish()
        jsonRenderer.finish()
        #expect(text.text.wholeMatch(of: /\d\d:\d\d:\d\d\.\d\d\d - a\[1\] out  x\n/) != nil, "\(text.text)")
        #expect(json.text.contains("\"text\":\"x\""))
    }
}

/// Found by the fuzzer: a capture whose clock offset pushes wall-clock times past the end of the
/// 64-bit range made a span's duration overflow.
@Suite struct DurationRegressionTests {
    @Test func aSpanAcrossTheWrapHasItsTrueDuration() {
        let harness = EngineHarness { $0.monotonicToWallOffset = Int64.max - 1_000_500 }
        harness.start(pid: 10)
        harness.marker(">:t:wrap::\n", pid: 10)
        harness.advance(nanoseconds: 5_000)
        harness.marker("<:t:wrap::\n", pid: 10)
        harness.stop()
        let span = harness.collector.span("wrap")
        #expect(span?.durationNanoseconds == 6_000)
        let output = MemoryOutput()
        let renderer = JSONRenderer(output: output)
        for record in harness.collector.records { renderer.emit(record) }
        renderer.finish()
        #expect(output.text.contains("\"duration_ns\":6000"))
    }
}

/// Found by the fuzzer: timestamps at the end of the 64-bit range made the next timeout check
/// overflow.
@Suite struct TimeoutRegressionTests {
    @Test func timeoutsWorkAtTheEndOfTheClock() {
        let harness = EngineHarness { $0.spanTimeout = 1_000_000 }
        harness.advance(nanoseconds: UInt64.max - 10_000_000)
        harness.start(pid: 10)
        harness.marker(">:t:late::\n", pid: 10)
        harness.advance(nanoseconds: 2_000_000)
        harness.stdout("after the timeout\n", pid: 10)
        harness.stop()
        #expect(harness.collector.span("late")?.endReason == .timeout)
    }
}
