import SpanlogAnalytics
import SpanlogCore
import SpanlogRules
import SpanlogTestSupport
@testable import SpanlogTop
import Testing

/// What `spanlog top` counts and keeps, fed the records of a real engine.
struct TopModelTests {
    /// `request` spans of 1 to 40 ms, each with a nested `request.db` and two lines; two fail.
    static func requests(_ count: Int = 40) -> [Record] {
        let harness = EngineHarness()
        harness.start(pid: 10)
        for index in 1...count {
            harness.marker(">:t:request:n=\(index):", pid: 10)
            harness.stdout("request \(index) accepted\n", pid: 10)
            harness.marker(">:t:request.db::", pid: 10)
            harness.advance(nanoseconds: UInt64(index) * 1_000_000)
            harness.marker("<:t:request.db::", pid: 10)
            harness.stdout(index % 20 == 0 ? "ERROR request \(index) failed\n" : "request \(index) done\n", pid: 10)
            harness.marker("<:t:request::", pid: 10)
        }
        harness.stop()
        return harness.collector.records
    }

    static func model(_ records: [Record], limits: TopLimits = TopLimits()) -> TopModel {
        let model = TopModel(limits: limits)
        for record in records { model.ingest(record) }
        return model
    }

    @Test func spanTypesShowTheSummarysFigures() throws {
        let records = Self.requests()
        let model = Self.model(records)
        // The summary's own figures for the same spans.
        let summary = SummaryProcessor()
        var summaries: [SummaryRecord] = []
        for record in records {
            summary.process(record) { if case .summary(let found) = $0 { summaries.append(found) } }
        }
        let expected = try #require(summaries.last?.rows.first { $0.tags == ["request"] })
        let index = try #require(model.shown.index(ofExisting: ["request"]))
        let row = try #require(model.shown.row(index))
        #expect(row == expected)
        #expect(row.count == 40)
        #expect(row.failed == 2)
        #expect(model.shown.types[index].lines == 80)
    }

    @Test func theTreePutsChildrenUnderParentsInSortOrder() {
        let model = Self.model(Self.requests(5))
        var view = SpanTypesView()
        let context = ViewContext(rows: 20, columns: 120, glyphs: .ascii)
        view.refresh(from: model, context: context)
        #expect(view.rows.map(\.tags) == [["request"], ["request", "db"]])
        #expect(view.rows.map(\.prefix) == ["", "`-"])
        view.tree = false
        view.sort = .p99
        view.refresh(from: model, context: context)
        // Flat, slowest p99 first: the request contains its db span, so it is the slower.
        #expect(view.rows.map(\.tags) == [["request"], ["request", "db"]])
        view.descending = false
        view.refresh(from: model, context: context)
        #expect(view.rows.map(\.tags) == [["request", "db"], ["request"]])
    }

    @Test func theSlowestSpansKeepTheirLinesAfterTheRingsMoveOn() throws {
        var limits = TopLimits()
        limits.lines = 10
        limits.spans = 4
        limits.slowestPerType = 2
        let model = Self.model(Self.requests(), limits: limits)
        let slowest = model.slowestSpans(of: ["request"])
        #expect(slowest.map { $0.enterArgs.first?.value } == ["40", "39"])
        let (lines, notKept) = model.heldLines(of: slowest[0], limit: 100)
        #expect(lines.map { String(decoding: $0.text, as: UTF8.self) } == ["request 40 accepted", "ERROR request 40 failed"])
        #expect(notKept == 0)
        // An early span left both rings: the model says how many of its lines it no longer has.
        #expect(model.linesNoLongerHeld == 70)
        #expect(model.spansNoLongerHeld == 76)
    }

    @Test func aFilterCountsTheSpansItSelectsStartingWithTheHeldOnes() throws {
        let model = Self.model(Self.requests())
        model.setFilter(try RuleSet.compileFilter("span.duration > 30ms and span.tag[1] = db"))
        let shown = model.shown
        #expect(shown.types.map(\.tags) == [["request", "db"]])
        #expect(shown.types[0].latency.count == 11, "db spans of 30 to 40 ms and a few µs")
        #expect(model.recentSpans(of: ["request"], limit: 100).isEmpty)
        model.setFilter(nil)
        #expect(model.shown.spans == 80)
    }

    @Test func theSpectrogramCountsSpansPerSecondAndLatencyBucket() {
        var track = SpectrogramTrack()
        for _ in 0..<3 { track.record(second: 100, bucket: 7, keepSeconds: 60) }
        track.record(second: 100, bucket: 9, keepSeconds: 60)
        track.record(second: 101, bucket: 7, keepSeconds: 60)
        var cells: [String] = []
        track.forEach(from: 100) { second, bucket, count in cells.append("\(second)/\(bucket)=\(count)") }
        #expect(cells == ["100/7=3", "100/9=1", "101/7=1"])
        #expect(track.count(from: 101, to: 102) == 1)
        // Seconds older than what is kept are dropped as time moves on.
        track.record(second: 200, bucket: 1, keepSeconds: 60)
        #expect(track.count(from: 0, to: 300) == 1)
    }

    @Test func ratesCountWholeSecondsOrTheYoungerSession() {
        let aggregates = SpanAggregates(keepSeconds: 60)
        var span = Self.requests(1).compactMap { if case .span(let span) = $0 { span } else { nil } }[0]
        for second in 0..<20 {
            for _ in 0..<5 {
                span.end = Int64(second) * 1_000_000_000 + 500_000_000
                aggregates.record(span)
            }
        }
        // 5 per second; over the last 10 seconds of a session 20 seconds old.
        let rate = aggregates.rate(nil, now: 20_000_000_000, since: 0, window: 10)
        #expect(rate == 5)
        #expect(aggregates.rate(nil, now: 50_000_000, since: 0, window: 10) == nil)
    }
}
