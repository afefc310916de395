import SpanlogCore
import SpanlogRules

/// What `spanlog top` knows of a session: per-path figures, the recent lines, spans and alerts,
/// the slowest spans of each path with their lines, and the session's counters. Fed one record
/// at a time; not thread-safe (`TopSink` serialises the session and the screen).
public final class TopModel {
    public let limits: TopLimits
    /// The newest time seen: the clock on a live session, the capture's time on a replay.
    public private(set) var now: Int64 = 0
    /// The first time seen, for rates over a session younger than their window.
    public private(set) var firstTime: Int64?

    private(set) var all: SpanAggregates
    /// What a `/` filter selects, counted from the moment it was set (plus the held spans).
    private(set) var filter: ActiveFilter?
    private(set) var lines: LineStore
    private(set) var spans: Ring<SpanRecord>
    private var spanPositions: [SpanUID: Int] = [:]
    private(set) var alerts: Ring<AlertRecord>
    /// The slowest spans of each path, with the lines they had when they ended.
    private(set) var slowSpans: [SpanUID: SlowSpan] = [:]

    /// The engine's counters, live (the session hands them over) and final (the stats record).
    public var stats = EngineStats()
    /// Warnings and notices, newest last.
    private(set) var notes: Ring<String>
    public private(set) var markerErrors = 0
    public private(set) var linesSeen = 0
    /// Set once the source has ended: the command's exit, the capture's end.
    public var ended: String?

    struct ActiveFilter {
        let condition: SpanCondition
        let since: Int64
        let seeded: Int
        let aggregates: SpanAggregates
    }

    struct SlowSpan {
        var record: SpanRecord
        var lines: [HeldLine]
        /// Lines it had beyond those kept, and whether some were no longer held when it ended.
        var linesNotKept: Int
    }

    public init(limits: TopLimits = TopLimits()) {
        self.limits = limits
        all = SpanAggregates(keepSeconds: limits.spectrogramSeconds)
        lines = LineStore(lines: limits.lines, bytes: limits.lineBytes)
        spans = Ring(capacity: limits.spans)
        alerts = Ring(capacity: limits.alerts)
        notes = Ring(capacity: 100)
    }

    public func ingest(_ record: Record) {
        switch record {
        case .line(let line):
            linesSeen += 1
            lines.append(line)
            advance(to: line.timestamp)
        case .span(let span):
            ingestSpan(span)
        case .alert(let alert):
            alerts.append(alert)
            all.recordAlert(on: alert.span)
            if let filter, filter.condition.matches(RuleSubject(span: alert.span)) {
                filter.aggregates.recordAlert(on: alert.span)
            }
            advance(to: alert.timestamp)
        case .warning(let warning):
            if warning.kind == .markerError {
                markerErrors += 1
            } else {
                notes.append(warning.message)
            }
        case .stats(let record):
            stats = record.stats
        case .summary:
            break
        }
    }

    /// Time has passed without records (live sessions tick).
    public func advance(to time: Int64) {
        if firstTime == nil { firstTime = time }
        if time > now { now = time }
    }

    public func note(_ message: String) {
        notes.append(message)
    }

    private func ingestSpan(_ span: SpanRecord) {
        advance(to: span.end)
        if firstTime.map({ span.start < $0 }) ?? false { firstTime = span.start }
        if let old = spans.append(span) { spanPositions[old.summary.uid] = nil }
        spanPositions[span.summary.uid] = spans.appended - 1
        let index = all.record(span)
        if let filter, filter.condition.matches(RuleSubject(span: span)) { filter.aggregates.record(span) }
        keepIfSlow(span, typeIndex: index)
    }

    private func keepIfSlow(_ span: SpanRecord, typeIndex: Int) {
        let duration = span.durationNanoseconds
        let slowest = all.types[typeIndex].slowest
        guard slowest.count < limits.slowestPerType || duration > slowest[slowest.count - 1].duration else { return }
        var evicted: SpanUID?
        all.updateSlowest(typeIndex) { list in
            let position = list.firstIndex { $0.duration < duration } ?? list.count
            list.insert((duration, span.summary.uid), at: position)
            if list.count > limits.slowestPerType { evicted = list.removeLast().uid }
        }
        if let evicted { slowSpans[evicted] = nil }
        let (kept, notKept) = heldLines(of: span, limit: limits.linesPerSlowSpan)
        slowSpans[span.summary.uid] = SlowSpan(record: span, lines: kept, linesNotKept: notKept)
    }

    // MARK: Questions the views ask

    /// The span as last known: held (ended) or kept as one of the slowest.
    func span(_ uid: SpanUID) -> SpanRecord? {
        if let position = spanPositions[uid] {
            return spans[newest: spans.appended - 1 - position]
        }
        return slowSpans[uid]?.record
    }

    /// The span and its descendants that are still held, in the order they started, each with
    /// its depth under `root`.
    func family(of root: SpanRecord) -> [(span: SpanRecord, depth: Int)] {
        var members: [SpanUID: Int] = [root.summary.uid: 0]
        var found: [(span: SpanRecord, depth: Int)] = []
        // Children end before their parents: newest first, a parent is met before its children.
        spans.reverseScan { candidate in
            if candidate.end < root.start { return false }
            if let parent = candidate.parent, let depth = members[parent], candidate.summary.uid != root.summary.uid {
                members[candidate.summary.uid] = depth + 1
                found.append((candidate, depth + 1))
            }
            return true
        }
        return [(root, 0)] + found.sorted { $0.span.start < $1.span.start }
    }

    /// The lines of a span and its held descendants, oldest first, at most `limit`; and how many
    /// more it had that are not among them (beyond the limit, or no longer held).
    func heldLines(of span: SpanRecord, limit: Int) -> (lines: [HeldLine], notKept: Int) {
        if let slow = slowSpans[span.summary.uid], slow.record.end == span.end {
            return (slow.lines, slow.linesNotKept)
        }
        let family = family(of: span)
        let members = Set(family.map(\.span.summary.uid))
        var found: [HeldLine] = []
        var extra = 0
        lines.reverseScan(where: { timestamp, uid in
            if timestamp < span.start { return nil }
            guard let uid, members.contains(uid) else { return false }
            if found.count < limit { return true }
            extra += 1
            return false
        }) { found.append($0) }
        found.reverse()
        // Lines of the whole family that ended: what the records count, minus what was found.
        let expected = family.reduce(0) { $0 + $1.span.lines }
        return (found, max(extra, expected - found.count))
    }

    /// Held spans of one path: the newest first.
    func recentSpans(of tags: [String], limit: Int) -> [SpanRecord] {
        var found: [SpanRecord] = []
        spans.reverseScan { span in
            if span.summary.tags == tags && matchesFilter(span) { found.append(span) }
            return found.count < limit
        }
        return found
    }

    /// The slowest spans of one path, slowest first (those the filter selects).
    func slowestSpans(of tags: [String]) -> [SpanRecord] {
        guard let index = all.index(ofExisting: tags) else { return [] }
        return all.types[index].slowest.compactMap { slowSpans[$0.uid]?.record }.filter(matchesFilter)
    }

    func heldAlerts() -> [AlertRecord] {
        alerts.elements.filter { matchesFilter($0.span) }
    }

    func matchesFilter(_ span: SpanRecord) -> Bool {
        filter?.condition.matches(RuleSubject(span: span)) ?? true
    }

    /// The figures the views show: the filter's when one is set.
    var shown: SpanAggregates { filter?.aggregates ?? all }

    // MARK: Filter

    /// Sets the filter (nil: none). Its figures start with the spans held now.
    public func setFilter(_ condition: SpanCondition?) {
        guard let condition else {
            filter = nil
            return
        }
        let aggregates = SpanAggregates(keepSeconds: limits.spectrogramSeconds)
        var seeded = 0
        for span in spans.elements where condition.matches(RuleSubject(span: span)) {
            aggregates.record(span)
            seeded += 1
        }
        for alert in alerts.elements where condition.matches(RuleSubject(span: alert.span)) {
            aggregates.recordAlert(on: alert.span)
        }
        filter = ActiveFilter(condition: condition, since: now, seeded: seeded, aggregates: aggregates)
    }

    public var filterText: String? { filter?.condition.text }

    /// The most recent notes, newest last.
    var recentNotes: [String] { notes.elements }

    /// Lines and spans that fell out of what is held.
    var linesNoLongerHeld: Int { lines.overwritten }
    var spansNoLongerHeld: Int { spans.overwritten }
}
