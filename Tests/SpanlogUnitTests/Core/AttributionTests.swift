import SpanlogTestSupport
import Testing
@testable import SpanlogCore

@Suite struct AttributionTests {
    @Test func lineBelongsToInnermostSpanOfItsThread() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:outer::\n", pid: 10, tid: 11)
        h.marker(">:t:other-thread::\n", pid: 10, tid: 12)
        h.marker(">:t:inner::\n", pid: 10, tid: 11)
        h.stdout("from 11\n", pid: 10, tid: 11)
        h.stdout("from 12\n", pid: 10, tid: 12)
        h.marker("<:t:inner::\n", pid: 10, tid: 11)
        h.stdout("after inner\n", pid: 10, tid: 11)
        #expect(h.collector.line("from 11")?.span?.tags == ["inner"])
        #expect(h.collector.line("from 12")?.span?.tags == ["other-thread"])
        #expect(h.collector.line("after inner")?.span?.tags == ["outer"])
    }

    /// A line names its writer's container as the writer's spans do (OTLP puts both under one
    /// resource), and the container it is in when it writes.
    @Test func aLineCarriesItsWritersContainer() {
        let h = EngineHarness()
        h.start(pid: 10, comm: "api", container: "0123456789ab")
        h.start(pid: 20, comm: "host")
        h.stdout("in the container\n", pid: 10)
        h.stdout("on the host\n", pid: 20)
        h.moveToContainer(pid: 20, container: "fedcba987654")
        h.stdout("moved\n", pid: 20)
        #expect(h.collector.line("in the container")?.container == "0123456789ab")
        #expect(h.collector.line("in the container")?.comm == "api")
        #expect(h.collector.line("on the host")?.container == nil)
        #expect(h.collector.line("moved")?.container == "fedcba987654")
    }

    @Test func processSpanEnclosesEveryThread() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:p:batch::\n", pid: 10, tid: 10)
        h.stdout("worker line\n", pid: 10, tid: 13)
        #expect(h.collector.line("worker line")?.span?.tags == ["batch"])
    }

    @Test func childProcessInheritsItsCreatorsSpan() {
        // A traced shell script runs curl inside a website-latency span.
        let h = EngineHarness()
        h.start(pid: 10, comm: "bash")
        h.marker(">::website-latency::\n", pid: 10)
        h.start(pid: 20, parent: 10, creator: 10, comm: "curl")
        h.start(pid: 30, parent: 20, creator: 20, comm: "helper")
        h.stdout("<html>ok</html>\n", pid: 20)
        h.stdout("grandchild\n", pid: 30)
        h.exitProcess(pid: 30)
        h.exitProcess(pid: 20)
        h.marker("<::website-latency::\n", pid: 10)
        let span = h.collector.span("website-latency")
        #expect(h.collector.line("<html>ok</html>")?.span?.uid == span?.summary.uid)
        #expect(h.collector.line("<html>ok</html>")?.comm == "curl")
        #expect(h.collector.line("grandchild")?.span?.uid == span?.summary.uid)
        #expect(span?.lines == 2)
    }

    @Test func lineSplitAcrossWritesIsAttributedAtItsFirstByte() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:first::\n", pid: 10)
        h.stdout("begun in first, ", pid: 10)
        h.marker("<:t:first::\n", pid: 10)
        h.marker(">:t:second::\n", pid: 10)
        h.stdout("ended in second\nwhole line\n", pid: 10)
        #expect(h.collector.line("begun in first, ended in second")?.span?.tags == ["first"])
        #expect(h.collector.line("whole line")?.span?.tags == ["second"])
    }

    @Test func severalLinesInOneWrite() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:s::\n", pid: 10)
        h.stdout("one\ntwo\r\nthree\n", pid: 10)
        #expect(h.collector.lines.map(\.textString) == ["one", "two", "three"])
        #expect(h.collector.lines.allSatisfy { $0.span?.tags == ["s"] })
    }

    @Test func streamsOfOneProcessAreAssembledSeparately() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.write("out-", pid: 10, target: .stdout)
        h.write("err-", pid: 10, target: .stderr)
        h.write("file-", pid: 10, target: .file(device: 1, inode: 2), path: "/var/log/app.log")
        h.write("a\n", pid: 10, target: .stdout)
        h.write("b\n", pid: 10, target: .stderr)
        h.write("c\n", pid: 10, target: .file(device: 1, inode: 2), path: "/var/log/app.log")
        #expect(h.collector.line("out-a")?.stream == .stdout)
        #expect(h.collector.line("err-b")?.stream == .stderr)
        #expect(h.collector.line("file-c")?.path == "/var/log/app.log")
    }

    @Test func partialLineIsFlushedWhenItsProcessExits() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.stdout("no newline at the end", pid: 10)
        #expect(h.collector.lines.isEmpty)
        h.exitProcess(pid: 10)
        #expect(h.collector.line("no newline at the end") != nil)
    }

    @Test func overlongLineIsTruncatedAndCounted() {
        let h = EngineHarness { $0.maxLineBytes = 10 }
        h.start(pid: 10)
        h.stdout("0123456789abcdef\nshort\n", pid: 10)
        h.stdout("0123456", pid: 10)
        h.stdout("789xyz", pid: 10)
        h.stdout("more\nnext\n", pid: 10)
        #expect(h.collector.lines.map(\.textString) == ["0123456789", "short", "0123456789", "next"])
        #expect(h.collector.lines.map(\.truncated) == [true, false, true, false])
        #expect(h.engine.stats.truncatedLines == 2)
    }

    @Test func bytesThatAreNotUTF8AreKept() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.writeBytes([0x61, 0xFF, 0xFE, 0x62, 0x0A], pid: 10, target: .stdout)
        #expect(Array(h.collector.lines.first?.text ?? []) == [0x61, 0xFF, 0xFE, 0x62])
    }

    @Test func writeCapturedInPartEndsTheLineAndIsCounted() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.writeBytes(Array("abc".utf8), pid: 10, target: .stdout, writtenLength: 100_000)
        h.stdout("next\n", pid: 10)
        #expect(h.collector.lines.map(\.textString) == ["abc", "next"])
        #expect(h.collector.lines.first?.truncated == true)
        #expect(h.engine.stats.truncatedWrites == 1)
        #expect(h.engine.stats.uncapturedBytes == 100_000 - 3)
        #expect(h.collector.warnings.map(\.kind) == [.truncatedWrite])
    }

    @Test func errorLinesAreCountedOnTheirSpan() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:req::\n", pid: 10)
        h.stdout("INFO: fine\nERROR: broken\n{\"level\":\"critical\",\"msg\":\"x\"}\n", pid: 10)
        h.marker("<:t:req::\n", pid: 10)
        #expect(h.collector.span("req")?.lines == 3)
        #expect(h.collector.span("req")?.errors == 2)
    }

    @Test func lostEventsBecomeAWarningAndAreCounted() {
        let h = EngineHarness()
        h.engine.process(.lost(timestamp: 5_000_000, count: 17))
        #expect(h.collector.warnings.first?.kind == .lostEvents)
        #expect(h.engine.stats.lostEvents == 17)
    }
}

@Suite struct LevelDetectorTests {
    @Test(arguments: [
        ("ERROR: disk full", LogLevel.error), ("[error] upstream timed out", .error),
        ("2026-11-28 12:00:00 WARN cache miss", .warning), ("ts=1 level=debug msg=x", .debug),
        ("ts=1 level=\"info\" msg=x", .info), ("{\"level\":\"warn\",\"msg\":\"x\"}", .warning),
        ("{\"severity\":\"ERROR\"}", .error), ("<3>kernel says no", .error), ("<6>fine", .info),
        ("E1128 15:21:09.123456 1 main.go:10] failed", .error), ("I1128 15:21:09.123456 1 x] ok", .info),
        ("Traceback (most recent call last):", .error), ("[CRITICAL] meltdown", .critical),
        ("FATAL: cannot start", .critical), ("NOTICE: maintenance", .notice),
    ])
    func detectsCommonShapes(line: String, level: LogLevel) {
        #expect(LevelDetector.detect(Array(line.utf8)[...]) == level)
    }

    @Test(arguments: ["hello world", "an error happened in lowercase prose", "GET /index.html 200", ""])
    func leavesOtherLinesWithoutLevel(line: String) {
        #expect(LevelDetector.detect(Array(line.utf8)[...]) == nil)
    }
}

@Suite struct TargetParsingTests {
    @Test(arguments: [
        ("0::/system.slice/docker-\(String(repeating: "ab", count: 32)).scope\n", String(repeating: "ab", count: 32)),
        ("12:memory:/docker/\(String(repeating: "0f", count: 32))\n", String(repeating: "0f", count: 32)),
        ("0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-\(String(repeating: "12", count: 32)).scope\n",
         String(repeating: "12", count: 32)),
        ("0::/machine.slice/libpod-\(String(repeating: "9a", count: 32)).scope/container\n",
         String(repeating: "9a", count: 32)),
        ("0::/kubepods/besteffort/pod1/\(String(repeating: "cd", count: 32))\n", String(repeating: "cd", count: 32)),
    ])
    func containerIDIsFoundForEachRuntime(cgroup: String, id: String) {
        #expect(ContainerID.parse(cgroupFile: cgroup) == id)
    }

    @Test func hostProcessHasNoContainer() {
        #expect(ContainerID.parse(cgroupFile: "0::/user.slice/user-0.slice/session-1.scope\n1:name=systemd:/\n") == nil)
    }

    @Test func defaultGlobsMatchLogFilesAnywhereAndEverythingUnderVarLog() {
        let globs = LogPathGlob.defaults
        #expect(LogPathGlob.anyMatches(globs, "/srv/app/app.log"))
        #expect(LogPathGlob.anyMatches(globs, "/var/log/nginx/access"))
        #expect(LogPathGlob.anyMatches(globs, "/var/log/syslog"))
        #expect(!LogPathGlob.anyMatches(globs, "/srv/app/data.db"))
        #expect(!LogPathGlob.anyMatches(globs, "/srv/app/app.log.1"))
        #expect(!LogPathGlob.anyMatches(globs, "/var/logger/x"))
    }

    @Test func singleStarStaysInOneComponent() {
        #expect(LogPathGlob("/srv/*/logs/*.txt").matches("/srv/a/logs/b.txt"))
        #expect(!LogPathGlob("/srv/*/logs/*.txt").matches("/srv/a/b/logs/c.txt"))
        #expect(LogPathGlob("/srv/**/*.txt").matches("/srv/a/b/logs/c.txt"))
        #expect(LogPathGlob("app-?.log").matches("/x/app-1.log"))
    }
}
