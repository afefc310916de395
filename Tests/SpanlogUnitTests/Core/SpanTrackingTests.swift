import SpanlogTestSupport
import Testing
@testable import SpanlogCore

@Suite struct SpanTrackingTests {
    @Test func exitMatchesMostRecentEnterForRecursion() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:fib:n=2:\n", pid: 10)
        h.marker(">:t:fib:n=1:\n", pid: 10)
        h.stdout("inner\n", pid: 10)
        h.marker("<:t:fib::\n", pid: 10)
        h.stdout("outer\n", pid: 10)
        h.marker("<:t:fib::\n", pid: 10)
        let spans = h.collector.spans
        #expect(spans.count == 2)
        #expect(spans[0].enterArgs.first?.value == "1")
        #expect(spans[1].enterArgs.first?.value == "2")
        #expect(spans[0].parent == spans[1].summary.uid)
        #expect(spans[0].depth == 1)
        #expect(h.collector.line("inner")?.span?.uid == spans[0].summary.uid)
        #expect(h.collector.line("outer")?.span?.uid == spans[1].summary.uid)
    }

    @Test func numericSpanOpenedByOneThreadIsClosedByAnother() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:77:job:stage=queued:\n", pid: 10, tid: 11)
        h.marker("<:77:job:stage=done:\n", pid: 10, tid: 12)
        let span = h.collector.span("job")
        #expect(span?.endReason == .exitMarker)
        #expect(span?.summary.id == 77)
        #expect(span?.exitArgs.first?.value == "done")
        #expect(h.collector.warnings.isEmpty)
    }

    @Test func numericSpanOpenedInOneProcessIsClosedInAnother() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.start(pid: 20)
        h.marker(">:4242:transfer::\n", pid: 10)
        h.exitProcess(pid: 10)
        h.marker("<:4242:transfer::\n", pid: 20)
        #expect(h.collector.span("transfer")?.endReason == .exitMarker)
    }

    @Test func threadSpanIsNotClosedByAnotherThread() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:work::\n", pid: 10, tid: 11)
        h.marker("<:t:work::\n", pid: 10, tid: 12)
        #expect(h.collector.spans.isEmpty)
        #expect(h.collector.warnings.map(\.kind) == [.unmatchedExit])
    }

    @Test func unmatchedExitIsAWarningAndCounted() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker("<:t:never-opened::\n", pid: 10)
        h.stdout("still flowing\n", pid: 10)
        #expect(h.collector.warnings.first?.kind == .unmatchedExit)
        #expect(h.engine.stats.unmatchedExits == 1)
        #expect(h.collector.line("still flowing") != nil)
    }

    @Test func threadSpanIsAbandonedWhenItsThreadExits() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:handler::\n", pid: 10, tid: 11)
        h.exitThread(pid: 10, tid: 11)
        #expect(h.collector.span("handler")?.endReason == .abandoned)
        #expect(h.engine.stats.abandonedSpans == 1)
    }

    @Test func processSpanIsAbandonedWhenItsProcessExits() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:p:lifetime::\n", pid: 10, tid: 11)
        h.exitThread(pid: 10, tid: 11)
        #expect(h.collector.spans.isEmpty, "a p span outlives the thread that opened it")
        h.exitProcess(pid: 10)
        #expect(h.collector.span("lifetime")?.endReason == .abandoned)
    }

    @Test func globalSpanFromShortLivedHelperPassesToItsCreator() {
        // A Makefile recipe: make (pid 10) runs a shell (pid 20) that writes ">::build::" and exits.
        let h = EngineHarness()
        h.start(pid: 10, comm: "make")
        h.start(pid: 20, parent: 10, creator: 10, comm: "sh")
        h.marker(">::build::\n", pid: 20)
        h.exitProcess(pid: 20)
        h.stdout("compiling\n", pid: 10)
        h.start(pid: 30, parent: 10, creator: 10, comm: "sh")
        h.marker("<::build::\n", pid: 30)
        let build = h.collector.span("build")
        #expect(build?.endReason == .exitMarker)
        #expect(h.collector.line("compiling")?.span?.uid == build?.summary.uid)
    }

    @Test func parentProcessIdSpanBelongsToTheScript() {
        // `/bin/echo ">:pp:deploy::" > /dev/null` in a script (pid 10): echo is pid 20.
        let h = EngineHarness()
        h.start(pid: 10, comm: "deploy.sh")
        h.start(pid: 20, parent: 10, creator: 10, comm: "echo")
        h.marker(">:pp:deploy::\n", pid: 20)
        h.exitProcess(pid: 20)
        h.stdout("deploying\n", pid: 10)
        h.start(pid: 21, parent: 10, creator: 10, comm: "echo")
        h.marker("<:pp:deploy::\n", pid: 21)
        let deploy = h.collector.span("deploy")
        #expect(deploy?.endReason == .exitMarker)
        #expect(deploy?.summary.id == 10)
        #expect(h.collector.line("deploying")?.span?.uid == deploy?.summary.uid)
    }

    @Test func oldestSpansAreEvictedAtTheBoundAndCounted() {
        let h = EngineHarness { $0.maxOpenSpans = 3 }
        h.start(pid: 10)
        for index in 0..<5 { h.marker(">:\(index):s\(index)::\n", pid: 10) }
        let evicted = h.collector.spans.filter { $0.endReason == .evicted }
        #expect(evicted.map(\.summary.tagPath) == ["s0", "s1"])
        #expect(h.engine.stats.evictedSpans == 2)
        #expect(h.engine.stats.spansStarted == 5)
    }

    @Test func spansOpenLongerThanTheTimeoutAreClosed() {
        let h = EngineHarness { $0.spanTimeout = 1_000_000_000 }
        h.start(pid: 10)
        h.marker(">:1:slow::\n", pid: 10)
        h.marker(">:2:fast::\n", pid: 10)
        h.marker("<:2:fast::\n", pid: 10)
        h.advance(nanoseconds: 2_000_000_000)
        h.stdout("tick\n", pid: 10)
        #expect(h.collector.span("slow")?.endReason == .timeout)
        #expect(h.collector.span("fast")?.endReason == .exitMarker)
        #expect(h.engine.stats.timedOutSpans == 1)
    }

    @Test func theClockClosesATimedOutSpanWhenNothingElseHappens() throws {
        // A live session's poll loop passes the clock: the span ends at its deadline, not at the
        // next event (which here never comes).
        let timeout: UInt64 = 300_000_000
        let live = EngineHarness { $0.spanTimeout = timeout }
        live.start(pid: 10)
        live.marker(">:t:sleepy::\n", pid: 10)
        live.engine.flush(now: live.clock + timeout / 2)
        #expect(live.collector.spans.isEmpty)
        live.engine.flush(now: live.clock + 3_000_000_000)
        let span = try #require(live.collector.span("sleepy"))
        #expect(span.endReason == .timeout)
        #expect(span.durationNanoseconds == Int64(timeout))
        #expect(live.engine.stats.timedOutSpans == 1)

        // A replay of the same events has no clock, only the next event, 3 s later: same record.
        let replay = EngineHarness { $0.spanTimeout = timeout }
        replay.start(pid: 10)
        replay.marker(">:t:sleepy::\n", pid: 10)
        replay.advance(nanoseconds: 3_000_000_000)
        replay.stdout("woke up\n", pid: 10)
        let replayed = try #require(replay.collector.span("sleepy"))
        #expect(replayed.durationNanoseconds == span.durationNanoseconds && replayed.end == span.end)
        #expect(replay.collector.line("woke up")?.span == nil)
    }

    @Test func stopReportsStillOpenSpansAsOpen() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:outer::\n", pid: 10)
        h.marker(">:t:inner::\n", pid: 10)
        h.stop()
        #expect(h.collector.spans.map(\.summary.tagPath) == ["inner", "outer"])
        #expect(h.collector.spans.allSatisfy { $0.endReason == .open })
        #expect(h.collector.finished)
        guard case .stats(let stats) = h.collector.records.last else {
            Issue.record("the last record must be the stats record")
            return
        }
        #expect(stats.stats.openSpans == 2)
    }

    @Test func parentsFollowEnclosingContextAtAnyDepth() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:99:req::\n", pid: 10)
        h.marker(">:t:req.db::\n", pid: 10)
        h.marker(">:t:req.db.query::\n", pid: 10)
        h.marker(">:t:req.db.query.row::\n", pid: 10)
        for tags in ["req.db.query.row", "req.db.query", "req.db"] { h.marker("<:t:\(tags)::\n", pid: 10) }
        h.marker("<:99:req::\n", pid: 10)
        let byTags = Dictionary(uniqueKeysWithValues: h.collector.spans.map { ($0.summary.tagPath, $0) })
        #expect(byTags["req.db.query.row"]?.parent == byTags["req.db.query"]?.summary.uid)
        #expect(byTags["req.db.query"]?.parent == byTags["req.db"]?.summary.uid)
        #expect(byTags["req.db"]?.parent == byTags["req"]?.summary.uid)
        #expect(byTags["req"]?.parent == nil)
        #expect(byTags["req.db.query.row"]?.depth == 3)
    }

    @Test func unfinishedMarkerIsJoinedWithTheThreadsNextWrite() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:t:split:user=4", pid: 10)
        h.marker("2:\n", pid: 10)
        h.marker("<:t:split::\n", pid: 10)
        #expect(h.collector.span("split")?.enterArgs.first?.value == "42")
        #expect(h.engine.stats.markerErrors == 0)
    }

    @Test func brokenFragmentIsReportedAndTheNextMarkerKept() {
        let h = EngineHarness { $0.reportMarkerErrors = true }
        h.start(pid: 10)
        h.marker(">:t:broken:k=", pid: 10)
        h.marker(">:t:good::\n", pid: 10)
        h.marker("<:t:good::\n", pid: 10)
        #expect(h.collector.span("good")?.endReason == .exitMarker)
        #expect(h.engine.stats.markerErrors == 1)
        #expect(h.collector.warnings.first?.kind == .markerError)
    }

    @Test func everyMarkerOfABufferedWriteCounts() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:1:a::\n>:2:b::\n<:2:b::\n<:1:a::\n", pid: 10)
        #expect(h.collector.spans.map(\.summary.tagPath) == ["b", "a"])
        #expect(h.engine.stats.markers == 4)
    }

    @Test func discardedOutputIsCountedNotReported() {
        let h = EngineHarness { $0.reportMarkerErrors = true }
        h.start(pid: 10)
        h.marker("some output the program threw away\n<html>\n", pid: 10)
        h.writeBytes([0xFF, 0x00, 0x3E, 0x0A], pid: 10, target: .devNull)
        h.marker(">:t:bad=tag::\n", pid: 10)
        #expect(h.engine.stats.discardedLines == 3)
        #expect(h.engine.stats.markerErrors == 1, "'>:' starts a marker attempt; its error is reported")
        #expect(h.collector.warnings.first?.details.first { $0.name == "column" } != nil)
    }
}

/// Eviction removes the oldest open spans from the middle of their key's and owner's lists; the
/// rest must behave as if nothing happened (LIFO exits, the innermost span for lines).
@Suite struct EvictionTests {
    @Test func evictingTheOldestKeepsEveryOtherSpanWorking() {
        let h = EngineHarness { $0.maxOpenSpans = 500 }
        h.start(pid: 10)
        for index in 0..<1000 { h.marker(">:t:request:n=\(index):\n", pid: 10, tid: index % 2 == 0 ? 10 : 11) }
        h.stdout("inside the newest\n", pid: 10, tid: 11)
        for _ in 0..<3 { h.marker("<:t:request::\n", pid: 10, tid: 10) }
        h.stop()
        let evicted = h.collector.spans.filter { $0.endReason == .evicted }
        #expect(evicted.count == 500)
        #expect(evicted.map { $0.enterArgs.first?.value } == (0..<500).map { "\($0)" }, "oldest first")
        let closed = h.collector.spans.filter { $0.endReason == .exitMarker }
        #expect(closed.map { $0.enterArgs.first?.value } == ["998", "996", "994"], "exits still close the most recent")
        #expect(h.collector.line("inside the newest")?.span?.enterArgs.first?.value == "999")
        #expect(h.collector.spans.filter { $0.endReason == .open }.count == 497)
        #expect(h.engine.stats.evictedSpans == 500)
    }
}
