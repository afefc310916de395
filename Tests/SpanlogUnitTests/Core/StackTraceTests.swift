import SpanlogTestSupport
@testable import SpanlogCore
import Testing

/// Spec 3: a stack trace's continuation lines are one record with its first line, so one
/// logged exception is one error; levels of build tools and runtimes.
@Suite struct StackTraceTests {
    /// Python's uncaught exception: written a piece at a time, microseconds apart.
    @Test func aPythonTracebackIsOneRecordAndOneError() throws {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:job::\n", pid: 10)
        for piece in ["Traceback (most recent call last):\n", "  File \"app.py\", line 3, in <module>\n",
                      "    main()\n", "  File \"app.py\", line 2, in main\n", "    raise ValueError(\"bad\")\n",
                      "ValueError: bad\n"] {
            h.write(piece, pid: 10, target: .stderr)
        }
        h.write("after the trace\n", pid: 10, target: .stderr)
        h.marker("<:t:job::\n", pid: 10)
        h.stop()
        let lines = h.collector.lines
        #expect(lines.count == 2)
        let trace = try #require(lines.first)
        #expect(trace.textString.hasPrefix("Traceback (most recent call last):\n  File \"app.py\""))
        #expect(trace.textString.hasSuffix("\nValueError: bad"))
        #expect(trace.level == .error)
        #expect(lines.last?.textString == "after the trace")
        let job = try #require(h.collector.span("job"))
        #expect(job.lines == 2)
        #expect(job.errors == 1)
    }

    /// `logger.exception(…)`: the message line and its traceback; then a chained exception.
    @Test func aLoggedMessageKeepsItsChainedTraceback() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.write("ERROR:root:payment failed\nTraceback (most recent call last):\n  File \"a.py\", line 1, in f\n    g()\nKeyError: 'card'\n",
                pid: 10, target: .stderr)
        h.write("\nDuring handling of the above exception, another exception occurred:\n\n", pid: 10, target: .stderr)
        h.write("Traceback (most recent call last):\n  File \"a.py\", line 9, in h\nRuntimeError: gave up\n",
                pid: 10, target: .stderr)
        h.write("INFO:root:next request\n", pid: 10, target: .stderr)
        h.stop()
        let texts = h.collector.lines.map(\.textString)
        #expect(texts.count == 2)
        #expect(texts.first?.hasPrefix("ERROR:root:payment failed\nTraceback") == true)
        #expect(texts.first?.hasSuffix("RuntimeError: gave up") == true)
        #expect(texts.last == "INFO:root:next request")
    }

    @Test func aJavaExceptionWithCausesIsOneRecord() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.write("Exception in thread \"main\" java.lang.IllegalStateException: boom\n", pid: 10, target: .stderr)
        h.write("\tat com.example.Main.run(Main.java:12)\n\tat com.example.Main.main(Main.java:5)\n", pid: 10, target: .stderr)
        h.write("Caused by: java.io.IOException: disk\n\tat com.example.Disk.read(Disk.java:3)\n\t... 2 more\n",
                pid: 10, target: .stderr)
        h.write("java.lang.NullPointerException\n    at com.example.A.b(A.java:1)\n", pid: 10, target: .stderr)
        h.stop()
        let lines = h.collector.lines
        #expect(lines.count == 2)
        #expect(lines.first?.textString.split(separator: "\n").count == 6)
        #expect(lines.last?.textString == "java.lang.NullPointerException\n    at com.example.A.b(A.java:1)")
        #expect(lines.allSatisfy { $0.level == .error })
    }

    @Test func aGoPanicIsOneCriticalRecord() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.write("panic: runtime error: index out of range [3] with length 3\n\n", pid: 10, target: .stderr)
        h.write("goroutine 1 [running]:\nmain.handler({0x4b3a1e, 0x5})\n\t/src/main.go:12 +0x1d\nmain.main()\n\t/src/main.go:20 +0x25\n",
                pid: 10, target: .stderr)
        h.write("exit status 2\n", pid: 10, target: .stderr)
        h.exitProcess(pid: 10)
        h.stop()
        let lines = h.collector.lines
        #expect(lines.count == 1)
        #expect(lines.first?.level == .critical)
        #expect(lines.first?.textString.hasSuffix("exit status 2") == true)
    }

    /// Past the window, or on another stream, a line starts its own record.
    @Test func onlyTheSameStreamWithinTheWindowJoins() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.write("Traceback (most recent call last):\n", pid: 10, target: .stderr)
        h.write("  File \"x.py\", line 1\n", pid: 10, target: .stdout)
        h.advance(nanoseconds: StackTraceJoiner.window + 1)
        h.write("  File \"y.py\", line 1\n", pid: 10, target: .stderr)
        h.stop()
        #expect(h.collector.lines.count == 3)
        // Blank lines accepted while a chain could follow become their own records again.
        let g = EngineHarness()
        g.start(pid: 10)
        g.write("Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: x\n\n", pid: 10, target: .stderr)
        g.write("plain\n", pid: 10, target: .stderr)
        g.stop()
        #expect(g.collector.lines.map(\.textString) == [
            "Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: x", "", "plain"])
    }

    /// A held error line goes out before whatever its thread writes next, on any stream or to
    /// /dev/null, so the thread's records keep its order.
    @Test func aThreadsRecordsComeOutInTheOrderItWroteThem() throws {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:request::\n", pid: 10)
        h.write("ERROR lookup failed\n", pid: 10, target: .stderr)
        h.stdout("retrying\n", pid: 10)
        h.write("ERROR second try failed\n", pid: 10, target: .stderr)
        h.marker(">:t:request.fallback::\n<:t:request.fallback::\n", pid: 10)
        h.marker("<:t:request::\n", pid: 10)
        h.stop()
        let order = h.collector.records.compactMap { record -> String? in
            switch record {
            case .line(let line): line.textString
            case .span(let span): span.summary.tagPath
            default: nil
            }
        }
        #expect(order == ["ERROR lookup failed", "retrying", "ERROR second try failed", "request.fallback", "request"])
        let times = h.collector.lines.map(\.timestamp)
        #expect(times == times.sorted())
    }

    /// A span that ends releases its held error line first, so rules and the text view see the
    /// line inside the open span.
    @Test func aHeldErrorLineIsReleasedBeforeItsSpanEnds() throws {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:job::\n", pid: 10)
        h.write("ERROR card declined\n", pid: 10, target: .stderr)
        h.marker("<:t:job::\n", pid: 10)
        let order = h.collector.records.map { record -> String in
            switch record {
            case .line: "line"
            case .span: "span"
            default: "other"
            }
        }
        #expect(order == ["line", "span"])
        #expect(h.collector.span("job")?.errors == 1)
    }

    /// Spec 3: a line that starts inside a span and ends after it closed counts in that span.
    @Test func aLineEndingAfterItsSpanClosedCountsInIt() throws {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:job::\n", pid: 10)
        h.stdout("ERROR half a li", pid: 10)
        h.marker("<:t:job::\n", pid: 10)
        h.stdout("ne\n", pid: 10)
        h.stop()
        let job = try #require(h.collector.span("job"))
        #expect(job.lines == 1)
        #expect(job.errors == 1)
        #expect(h.collector.line("ERROR half a line")?.span?.uid == job.summary.uid)
    }

    @Test(arguments: [
        ("main.c:3:5: error: expected ';' before 'return'", LogLevel.error),
        ("main.c:7:1: warning: unused variable 'x'", .warning),
        ("gcc: fatal error: no input files", .error),
        ("collect2: error: ld returned 1 exit status", .error),
        ("make: *** [Makefile:4: all] Error 1", .error),
        ("make[2]: *** No rule to make target 'x'.  Stop.", .error),
        ("panic: assignment to entry in nil map", .critical),
        ("fatal error: all goroutines are asleep - deadlock!", .critical),
        ("Traceback (most recent call last):", .error),
        ("java.lang.IllegalStateException: boom", .error),
        ("Exception in thread \"main\" java.lang.Error", .error),
    ])
    func buildToolsAndRuntimesHaveLevels(line: String, level: LogLevel) {
        #expect(LevelDetector.detect(Array(line.utf8)[...]) == level)
    }

    @Test(arguments: ["make: Entering directory '/src'", "cc -o app main.c", "Handled IOException: retrying",
                      "note to self: error budgets", "com.example.Widget ready"])
    func ordinaryLinesAreNotErrors(line: String) {
        #expect(LevelDetector.detect(Array(line.utf8)[...]) == nil)
    }
}

@Suite struct ColoredLevelTests {
    /// gcc on a terminal colours its diagnostics; the level is read through the colours.
    @Test func coloredCompilerDiagnosticsHaveLevels() {
        let line = "\u{1B}[01m\u{1B}[Kfirst.c:1:23:\u{1B}[m\u{1B}[K \u{1B}[01;35m\u{1B}[Kwarning: \u{1B}[m\u{1B}[Kunused variable"
        #expect(LevelDetector.detect(Array(line.utf8)[...]) == .warning)
    }
}
