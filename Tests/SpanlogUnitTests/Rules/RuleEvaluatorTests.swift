import SpanlogTestSupport
@testable import SpanlogCore
@testable import SpanlogRules
import Testing

/// Records that reached the outputs.
final class Collected: RecordSink {
    var records: [Record] = []
    func emit(_ record: Record) { records.append(record) }
    func flush() {}
    func finish() {}
    var alerts: [AlertRecord] { records.compactMap { if case .alert(let alert) = $0 { alert } else { nil } } }
    var spans: [SpanRecord] { records.compactMap { if case .span(let span) = $0 { span } else { nil } } }
    var warnings: [WarningRecord] { records.compactMap { if case .warning(let warning) = $0 { warning } else { nil } } }
    var stats: StatsRecord? { records.compactMap { if case .stats(let stats) = $0 { stats } else { nil } }.last }
}

/// An engine whose records pass a rule evaluator, fed with raw events at chosen times.
final class RuleHarness {
    let output = Collected()
    let evaluator: RuleEvaluator
    let engine: Engine
    private(set) var clock: UInt64 = 1_000_000_000
    static let offset: Int64 = 1_700_000_000_000_000_000

    init(_ yaml: String) throws {
        evaluator = RuleEvaluator(try RuleSet.load([RuleSource(name: "test.yaml", text: yaml)]))
        let fanout = RecordFanout(channels: [OutputChannel(name: "test", sink: output)], processors: [evaluator])
        engine = Engine(configuration: EngineConfiguration(monotonicToWallOffset: Self.offset, session: 9), outputs: fanout)
        engine.process(.processStart(ProcessStart(timestamp: clock, pid: 10, parentPid: 1, creatorTid: nil, comm: "shop")))
    }

    func at(ms: UInt64) { clock = 1_000_000_000 + ms * 1_000_000 }

    func write(_ text: String, _ target: WriteTarget = .stdout, tid: Int32 = 10) {
        engine.process(.write(WriteEvent(timestamp: clock, pid: 10, tid: tid, fd: 1, target: target,
                                         bytes: Array((text + "\n").utf8)[...])))
    }

    func marker(_ text: String, tid: Int32 = 10) { write(text, .devNull, tid: tid) }

    /// Wall-clock time as a live session's poll loop reports it.
    func tick(ms: UInt64) {
        at(ms: ms)
        engine.outputs.tick(now: Int64(clock) + Self.offset)
    }

    func stop() { engine.process(.stop(timestamp: clock)) }
}

@Suite struct RuleEvaluatorTests {
    static let rules = """
        - rule: slow
          condition: span.duration > 100ms
          output: "%span.tags took %span.duration for user %span.enter_arg.user"
          priority: warning
        - rule: failed
          condition: span.exit_arg.status >= 500
          output: "%span.tags failed with %span.exit_arg.status"
          priority: error
        """

    @Test func spanEndAlertsComeBeforeTheirSpanAndMarkIt() throws {
        let harness = try RuleHarness(Self.rules)
        harness.marker(">:t:checkout:user=7:")
        harness.at(ms: 250)
        harness.marker("<:t:checkout:status=503:")
        harness.stop()
        let kinds = harness.output.records.map { record -> String in
            switch record {
            case .alert(let alert): "alert:\(alert.rule)"
            case .span: "span"
            case .stats: "stats"
            default: "other"
            }
        }
        #expect(kinds == ["alert:slow", "alert:failed", "span", "stats"])
        #expect(harness.output.alerts.map(\.message) == ["checkout took 250ms for user 7", "checkout failed with 503"])
        #expect(harness.output.alerts.map(\.priority) == [.warning, .error])
        #expect(harness.output.spans.first?.alerts == 2)
        #expect(harness.output.stats?.counters.rules?.alerts == 2)
    }

    @Test func lineRulesSeeTheLineAndItsSpan() throws {
        let harness = try RuleHarness("""
            - rule: declined
              when: line
              condition: line.level >= error and span.tags = checkout and line.text contains declined
              output: "%span.enter_arg.user: %line.text"
              priority: notice
            """)
        harness.write("card declined outside any span")
        harness.marker(">:t:checkout:user=7:")
        harness.write("INFO charging")
        harness.write("ERROR card declined")
        harness.marker("<:t:checkout::")
        harness.stop()
        #expect(harness.output.alerts.map(\.message) == ["7: ERROR card declined"])
        #expect(harness.output.alerts.first?.line?.textString == "ERROR card declined")
        #expect(harness.output.alerts.first?.trigger == .line)
        #expect(harness.output.alerts.first?.span.endReason == .open)
    }

    @Test func anErrorLineWrittenJustBeforeTheExitMarkerReachesTheLineRulesOnce() throws {
        // Error lines are held for a moment in case a stack trace follows; the exit marker
        // releases them while their span is still the open span they were written in.
        let harness = try RuleHarness("""
            - rule: error_line
              when: line
              condition: line.level >= error
              output: "%span.tags: %line.text"
            """)
        harness.marker(">:t:checkout:user=42:")
        harness.write("ERROR card declined")
        harness.marker("<:t:checkout:status=500:")
        harness.at(ms: 50)
        harness.marker(">:t:checkout:user=43:")
        harness.write("ERROR card declined again")
        harness.at(ms: 70)
        harness.marker("<:t:checkout::")
        harness.stop()
        #expect(harness.output.alerts.map(\.message) == ["checkout: ERROR card declined", "checkout: ERROR card declined again"])
        #expect(harness.output.spans.map(\.alerts) == [1, 1], "a line alert marks its span like a span-end one")
    }

    @Test func inFlightAlertFiresOnceWhileTheSpanIsStillOpen() throws {
        let harness = try RuleHarness("""
            - rule: hanging
              when: {span_open_longer_than: 2s}
              condition: span.tags = checkout
              output: "%span.tags open for %span.duration"
              priority: warning
            """)
        harness.marker(">:t:checkout:user=7:")
        harness.marker(">:t:quick::")
        harness.at(ms: 10)
        harness.marker("<:t:quick::")
        harness.tick(ms: 1_500)
        #expect(harness.output.alerts.isEmpty)
        harness.tick(ms: 2_100)
        #expect(harness.output.alerts.count == 1)
        let alert = try #require(harness.output.alerts.first)
        #expect(alert.trigger == .inFlight)
        #expect(alert.span.endReason == .open)
        #expect(alert.message == "checkout open for 2.1s")
        // The span has not ended: no span record yet.
        #expect(!harness.output.spans.contains { $0.summary.tags == ["checkout"] })
        harness.tick(ms: 5_000)
        harness.tick(ms: 9_000)
        #expect(harness.output.alerts.count == 1, "fires once per span instance")
        harness.marker("<:t:checkout::")
        harness.stop()
        let checkout = try #require(harness.output.spans.first { $0.summary.tags == ["checkout"] })
        #expect(checkout.alerts == 1, "an in-flight alert marks its span like a span-end one")
    }

    @Test func throttlingCountsWhatItHoldsBackAndReportsTheRest() throws {
        let harness = try RuleHarness("""
            - rule: slow
              condition: span.duration > 1ms
              output: "%span.tags slow"
              throttle: {rate: 2/10s, key: span.tags}
            """)
        var ms: UInt64 = 0
        func request(_ tag: String) {
            harness.at(ms: ms)
            harness.marker(">:t:\(tag)::")
            ms += 5
            harness.at(ms: ms)
            harness.marker("<:t:\(tag)::")
            ms += 5
        }
        for _ in 0..<5 { request("a") }   // 2 sent, 3 held back
        request("b")                        // its own budget
        ms = 20_000                         // a new window
        request("a")                        // sent, carrying the 3
        for _ in 0..<4 { request("a") }   // 1 sent, 3 held back: reported at the end
        harness.stop()
        let alerts = harness.output.alerts
        #expect(alerts.map(\.message) == ["a slow", "a slow", "b slow", "a slow", "a slow"])
        #expect(alerts.map(\.suppressed) == [0, 0, 0, 3, 0])
        let pending = try #require(harness.output.warnings.first { $0.kind == .alertsSuppressed })
        #expect(pending.message == "rule slow for a: 3 alerts throttled after the last one shown")
        let rules = harness.output.stats?.counters.rules
        #expect(rules?.alerts == 5)
        #expect(rules?.alertsSuppressed == 6)
        // The warning comes before the stats record.
        let kinds = harness.output.records.suffix(2).map { if case .stats = $0 { "stats" } else { "other" } }
        #expect(kinds == ["other", "stats"])
    }

    @Test func throttleKeysAreBounded() {
        var state = ThrottleState()
        let spec = ThrottleSpec(limit: 1, window: 1_000_000_000, key: nil)
        for key in 0..<(ThrottleState.maxKeys + 50) { _ = state.decide(key: "k\(key)", at: 0, spec: spec) }
        #expect(state.budgets.count == ThrottleState.maxKeys + 1)
        #expect(state.overflowedKeys == 50)
    }

    @Test func errorsOfChildSpansCountForTheParent() throws {
        let harness = try RuleHarness("""
            - rule: failed_request
              condition: span.tags = request and span.errors_total > 0
              output: "%span.tags had %span.errors_total errors"
            """)
        harness.marker(">:t:request::")
        harness.marker(">:t:request.payment::")
        harness.write("ERROR card declined")
        harness.marker("<:t:request.payment::")
        harness.marker("<:t:request::")
        harness.stop()
        #expect(harness.output.alerts.map(\.message) == ["request had 1 errors"])
        let request = try #require(harness.output.spans.first { $0.summary.tags == ["request"] })
        #expect(request.errors == 0 && request.errorsTotal == 1 && request.outcome.verdict == .failed)
    }

    @Test func replacingRulesKeepsTheEvaluatorRunning() throws {
        let harness = try RuleHarness(Self.rules)
        harness.evaluator.replace(try RuleSet.load([RuleSource(name: "new.yaml", text: """
            - rule: any_span
              condition: span.depth = 0
              output: "%span.tags ended"
            """)]))
        harness.marker(">:t:x::")
        harness.marker("<:t:x::")
        harness.stop()
        #expect(harness.output.alerts.map(\.rule) == ["any_span"])
    }
    // MARK: A reload takes effect at its moment on the event clock

    static let reloaded = """
        - rule: second
          condition: span.tags = job
          output: "%span.tags ended"
        - rule: second_line
          when: line
          condition: line.text contains oops
          output: "line rule"
        """

    /// The wall-clock time of the harness's clock at `ms`.
    static func wall(ms: UInt64) -> Int64 { RuleHarness.offset + 1_000_000_000 + Int64(ms) * 1_000_000 }

    @Test func eventsOlderThanTheReloadAreJudgedByTheRulesThenInForceThoughTheyArriveAfterIt() throws {
        let harness = try RuleHarness("""
            - rule: first
              condition: span.tags = job
              output: "%span.tags ended"
            - rule: first_line
              when: line
              condition: line.text contains oops
              output: "line rule"
            """)
        // The reload was taken at 500 ms while the events below still waited in the ring buffer:
        // everything stamped before 500 ms reaches the evaluator after it.
        harness.evaluator.replace(try RuleSet.load([RuleSource(name: "new.yaml", text: Self.reloaded)]),
                                  from: Self.wall(ms: 500))
        harness.at(ms: 100)
        harness.marker(">:t:job::")
        harness.write("oops before")
        harness.at(ms: 499)
        harness.marker("<:t:job::")
        harness.at(ms: 501)
        harness.marker(">:t:job::")
        harness.write("oops after")
        harness.marker("<:t:job::")
        harness.stop()
        #expect(harness.output.alerts.map(\.rule) == ["first_line", "first", "second_line", "second"])
        #expect(harness.output.alerts.map(\.timestamp) == [Self.wall(ms: 100), Self.wall(ms: 499),
                                                            Self.wall(ms: 501), Self.wall(ms: 501)])
    }

    @Test func aLineBegunBeforeTheReloadIsJudgedByTheOldRulesWhenItEndsAfter() throws {
        let harness = try RuleHarness("""
            - rule: first_line
              when: line
              condition: line.text contains oops
              output: "old"
            """)
        harness.marker(">:p:work::")
        harness.at(ms: 100)
        harness.engine.process(.write(WriteEvent(timestamp: 1_100_000_000, pid: 10, tid: 10, fd: 1, target: .stdout,
                                                 bytes: Array("oops, half a line".utf8)[...])))
        harness.evaluator.replace(try RuleSet.load([RuleSource(name: "new.yaml", text: Self.reloaded)]),
                                  from: Self.wall(ms: 200))
        harness.at(ms: 300)
        harness.write(" and its end")
        harness.write("oops, a line after")
        harness.stop()
        #expect(harness.output.alerts.map(\.rule) == ["first_line", "second_line"])
    }

    @Test func inFlightRulesHaveTheirLastLookAtTheMomentOfTheReload() throws {
        let harness = try RuleHarness("""
            - rule: stuck_old
              when: {span_open_longer_than: 1s}
              condition: span.tags = job
              output: "old"
            """)
        harness.marker(">:t:job::")
        harness.tick(ms: 900)
        // Past the limit at 1,000 ms, reloaded at 1,050 ms; no check ran in between.
        harness.evaluator.replace(try RuleSet.load([RuleSource(name: "new.yaml", text: """
            - rule: stuck_new
              when: {span_open_longer_than: 5s}
              condition: span.tags = job
              output: "new"
            """)]), from: Self.wall(ms: 1_050))
        harness.tick(ms: 1_200)
        harness.tick(ms: 6_200)
        harness.stop()
        #expect(harness.output.alerts.map(\.rule) == ["stuck_old", "stuck_new"])
        #expect(harness.output.alerts.first?.timestamp == Self.wall(ms: 1_050))
    }

    @Test func whatAReplacedRuleSetThrottledIsReportedWhenItRetires() throws {
        let harness = try RuleHarness("""
            - rule: noisy
              condition: span.tags = job
              output: "%span.tags"
              throttle: 1/1h
            """)
        for ms: UInt64 in [10, 20, 30] {
            harness.at(ms: ms)
            harness.marker(">:t:job::")
            harness.marker("<:t:job::")
        }
        harness.evaluator.replace(try RuleSet.load([]), from: Self.wall(ms: 100))
        // The replaced set is kept for a minute of event time, then retires.
        harness.tick(ms: 100 + UInt64(RuleEvaluator.replacedRulesKept / 1_000_000))
        let suppressed = harness.output.warnings.filter { $0.kind == .alertsSuppressed }
        #expect(suppressed.map(\.message) == ["rule noisy: 2 alerts throttled after the last one shown"])
        harness.stop()
        #expect(harness.output.warnings.filter { $0.kind == .alertsSuppressed }.count == 1, "reported once")
    }

    @Test func aReloadedEmptySetKeepsItsPlaceSoALaterReloadSeesEveryRecord() throws {
        let evaluator = RuleEvaluator(try RuleSet.load([]), reloadable: true)
        #expect(!evaluator.passesEverything)
        #expect(RuleEvaluator(try RuleSet.load([])).passesEverything)
    }
}
