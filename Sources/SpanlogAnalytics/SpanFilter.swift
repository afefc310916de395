import SpanlogCore
import SpanlogRules

/// `--filter EXPR`: passes the spans the condition selects, with their lines and alerts;
/// lines outside any span are not selected. Warnings, stats and summaries always pass.
///
/// A condition on what is known at enter (tags, ids, enter args, process) judges a span once,
/// at its first line, and its lines pass at once. One that reads end-time fields (duration,
/// counts, outcome, end reason, exit args) holds a span's lines until the span ends, up to `maxHeldLines`
/// in all; past that, held lines are let through unjudged (counted in `filter_unjudged_lines`)
/// rather than dropped or kept without bound.
public final class SpanFilter: RecordProcessor {
    public let condition: SpanCondition
    public let maxHeldLines: Int
    private unowned(unsafe) var spans: OpenSpanQuery?
    /// Verdicts of spans judged at their first line, and of spans that ended recently (a
    /// partial line may end after its span).
    private var verdicts: [SpanUID: Bool] = [:]
    private var ended: [SpanUID: Bool] = [:]
    private var held: [SpanUID: [Record]] = [:]
    private var heldCount = 0
    private var spansFiltered = 0
    private var linesFiltered = 0
    private var unjudgedLines = 0

    public init(_ condition: SpanCondition, maxHeldLines: Int = 100_000) {
        self.condition = condition
        self.maxHeldLines = maxHeldLines
    }

    public func attach(to spans: OpenSpanQuery) {
        self.spans = spans
    }

    public func process(_ record: Record, forward: (Record) -> Void) {
        switch record {
        case .line(let line):
            guard let span = line.span else {
                linesFiltered += 1
                return
            }
            if let verdict = ended[span.uid] ?? (condition.needsSpanEnd ? nil : verdicts[span.uid]) {
                pass(record, if: verdict, forward: forward)
            } else if condition.needsSpanEnd {
                hold(record, of: span.uid, forward: forward)
            } else {
                let verdict = judgeOpen(span, at: line.timestamp)
                verdicts[span.uid] = verdict
                pass(record, if: verdict, forward: forward)
            }
        case .span(let span):
            let uid = span.summary.uid
            let verdict = condition.matches(RuleSubject(span: span))
            verdicts[uid] = nil
            if ended.count >= 10_000 { ended.removeAll(keepingCapacity: true) }
            ended[uid] = verdict
            if let lines = held.removeValue(forKey: uid) {
                heldCount -= lines.count
                for line in lines { pass(line, if: verdict, forward: forward) }
            }
            if verdict { forward(record) } else { spansFiltered += 1 }
        case .alert(let alert):
            if condition.matches(RuleSubject(span: alert.span)) { forward(record) }
        case .stats:
            // Spans still open at the end were reported before this: nothing should be held.
            for (_, lines) in held { unjudgedLines += lines.count; lines.forEach(forward) }
            held.removeAll()
            heldCount = 0
            forward(record)
        case .warning, .summary:
            forward(record)
        }
    }

    public func tick(now: Int64, forward: (Record) -> Void) {}

    public func count(into counters: inout ProcessorCounters) {
        counters.filter = ProcessorCounters.Filter(spansDropped: spansFiltered, linesDropped: linesFiltered,
                                                   unjudgedLines: unjudgedLines)
    }

    private func pass(_ record: Record, if verdict: Bool, forward: (Record) -> Void) {
        if verdict { forward(record) } else { linesFiltered += 1 }
    }

    private func hold(_ record: Record, of uid: SpanUID, forward: (Record) -> Void) {
        // Out of room: the oldest span's lines go on unjudged.
        if heldCount >= maxHeldLines, let oldest = held.keys.min(by: { $0.sequence < $1.sequence }),
           let lines = held.removeValue(forKey: oldest) {
            heldCount -= lines.count
            unjudgedLines += lines.count
            lines.forEach(forward)
        }
        held[uid, default: []].append(record)
        heldCount += 1
    }

    /// A span judged on what is known while it runs: the engine's view of it now.
    private func judgeOpen(_ summary: SpanSummary, at timestamp: Int64) -> Bool {
        if let record = spans?.openSpan(summary.uid, now: timestamp) { return condition.matches(RuleSubject(span: record)) }
        return false
    }
}
