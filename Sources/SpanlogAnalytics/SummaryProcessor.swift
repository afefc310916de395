import SpanlogCore

/// Latency summaries of ended spans by tag path (`--summary`, `spanlog summary`): one at the end
/// of the session, and with `every`, one per interval of that length as it passes (by span end
/// times in a replay, and by the clock too when live). Spans pass through unchanged.
public final class SummaryProcessor: RecordProcessor {
    public let every: Int64?
    public let histograms: Bool
    /// Pass only summaries and stats on (`spanlog summary`): no lines or spans.
    public let summariesOnly: Bool
    private var paths = TagPathIndex()
    /// By tag path index; nil where no span of the path ended (in this interval).
    private var total: [LatencyAccumulator?] = []
    private var interval: [LatencyAccumulator?] = []
    private var intervalStart: Int64?
    private var lastSeen: Int64 = 0

    public init(every: Int64? = nil, histograms: Bool = false, summariesOnly: Bool = false) {
        self.every = every
        self.histograms = histograms
        self.summariesOnly = summariesOnly
    }

    public func attach(to spans: OpenSpanQuery) {}

    public func process(_ record: Record, forward: (Record) -> Void) {
        switch record {
        case .span(let span):
            lastSeen = max(lastSeen, span.end)
            if every != nil { emitIntervalIfDue(now: span.end, forward: forward) }
            let path = paths.index(of: span.summary.tags)
            add(span, at: path, in: &total)
            if every != nil { add(span, at: path, in: &interval) }
            if !summariesOnly { forward(record) }
        case .stats(let stats):
            let end = max(lastSeen, stats.timestamp)
            if every != nil, interval.contains(where: { $0 != nil }) { emitInterval(until: end, forward: forward) }
            forward(.summary(SummaryRecord(timestamp: end, since: nil, rows: rows(of: total))))
            forward(record)
        case .summary, .warning:
            forward(record)
        case .line, .alert:
            if !summariesOnly { forward(record) }
        }
    }

    public func tick(now: Int64, forward: (Record) -> Void) {
        if every != nil { emitIntervalIfDue(now: now, forward: forward) }
    }


    /// Lines go past: a summary is about spans. Only `spanlog summary` sees them, to drop them.
    public var seesLines: Bool { summariesOnly }

    private func emitIntervalIfDue(now: Int64, forward: (Record) -> Void) {
        guard let every else { return }
        guard let start = intervalStart else {
            intervalStart = now
            return
        }
        guard now >= start &+ every else { return }
        emitInterval(until: start &+ every, forward: forward)
        // Skip intervals nothing ended in, but keep their boundaries.
        let elapsed = (now &- start) / every
        intervalStart = start &+ elapsed &* every
    }

    private func emitInterval(until end: Int64, forward: (Record) -> Void) {
        forward(.summary(SummaryRecord(timestamp: end, since: intervalStart ?? end, rows: rows(of: interval))))
        interval.removeAll(keepingCapacity: true)
    }

    private func add(_ span: SpanRecord, at path: Int, in table: inout [LatencyAccumulator?]) {
        if path >= table.count { table += Array(repeating: nil, count: path + 1 - table.count) }
        if table[path] == nil { table[path] = LatencyAccumulator(withBuckets: histograms) }
        table[path]!.record(span)
    }

    /// Parents before their children: tag paths in order, each path's prefixes first.
    private func rows(of table: [LatencyAccumulator?]) -> [SummaryRow] {
        table.indices.compactMap { index in table[index].map { (paths.paths[index], $0) } }
            .sorted { $0.0.lexicographicallyPrecedes($1.0) }
            .map { $0.1.row(tags: $0.0) }
    }
}
