import SpanlogCore

/// Runs a rule set on the records flowing from the engine to the outputs: span-end rules on
/// each ended span, line rules on each line inside a span, in-flight rules on open spans as
/// time passes. Alerts are records sent on to every output; a span-end alert goes before its
/// span record, so a grouped view prints it inside the span's block.
///
/// A reload takes effect at its moment on the event clock: a span that ended, or a line
/// written, before the reload is judged by the rules in force then, even when its record
/// arrives after the reload (events wait in the ring buffer, lines wait for their end).
public final class RuleEvaluator: RecordProcessor {
    /// Oldest first; never empty. All but the last were replaced by a reload and are kept
    /// for the records of older events still on their way.
    private var epochs: [RuleEpoch]
    private let reloadable: Bool
    private unowned(unsafe) var spans: OpenSpanQuery?
    /// Wall-clock time as known from records (replay) or ticks (live).
    private var now: Int64 = 0
    private var alerts = 0
    private var suppressed = 0
    /// Alerts line and in-flight rules raised on spans still open, added to their span records
    /// when they end: a span is marked the same whatever kind of rule raised its alert.
    private var alertsOnOpenSpans: [SpanUID: Int] = [:]
    /// Line rules: the subject of the last line's span. Consecutive lines mostly share a span,
    /// so it is asked for once and its counts kept up here; any span's end drops it (a child's
    /// errors change its parent's total).
    private var lineSubject: RuleSubject?

    /// In-flight rules are checked at most this often.
    static let inFlightInterval: Int64 = 100_000_000
    /// Open spans past an in-flight limit that are watched per rule; beyond it the oldest give way.
    static let maxWatched = 100_000
    /// How long (event time) a replaced rule set stays to judge records of events older than
    /// the reload that replaced it. Records of older events still are judged by the oldest set kept.
    public static let replacedRulesKept: Int64 = 60_000_000_000
    /// Replaced rule sets kept at most (reloads in quick succession).
    static let maxReplacedKept = 8

    /// `reloadable`: rules may be replaced later, so even an empty set keeps its place in the
    /// pipeline (the reloaded one must see every record).
    public init(_ ruleSet: RuleSet, reloadable: Bool = false) {
        epochs = [RuleEpoch(ruleSet, from: .min)]
        self.reloadable = reloadable
    }

    /// Replaces the rules (a reload) for the events from `moment` on (wall-clock nanoseconds
    /// on the event clock; nil: the latest time seen). Throttles and in-flight state start
    /// afresh with the new set; what the old set throttled is reported once it retires.
    public func replace(_ ruleSet: RuleSet, from moment: Int64? = nil) {
        let from = max(moment ?? now, epochs[epochs.count - 1].from)
        epochs.append(RuleEpoch(ruleSet, from: from))
    }

    public var ruleCount: Int { epochs[epochs.count - 1].ruleSet.rules.count }

    public func attach(to spans: OpenSpanQuery) {
        self.spans = spans
    }

    public func count(into counters: inout ProcessorCounters) {
        counters.rules = ProcessorCounters.Rules(alerts: alerts, alertsSuppressed: suppressed)
    }

    public var passesEverything: Bool { !reloadable && epochs.allSatisfy(\.isEmpty) }

    /// The epoch whose rules judge an event at `timestamp`.
    private func epoch(at timestamp: Int64) -> RuleEpoch {
        var index = epochs.count - 1
        while index > 0, epochs[index].from > timestamp { index -= 1 }
        return epochs[index]
    }

    public func process(_ record: Record, forward: (Record) -> Void) {
        switch record {
        case .line(let line):
            if line.timestamp > now { now = line.timestamp }
            forward(record)
            if let uid = line.span?.uid {
                let epoch = epoch(at: line.timestamp)
                if !epoch.lineRules.isEmpty { evaluateLineRules(line, in: uid, epoch, forward: forward) }
            }
        case .span(let span):
            if span.end > now { now = span.end }
            lineSubject = nil
            let epoch = epoch(at: span.end)
            // Without span-end rules or earlier alerts the record passes on as it is: no copy to rebuild.
            guard !epoch.spanEndRules.isEmpty || !alertsOnOpenSpans.isEmpty else {
                forward(record)
                break
            }
            var annotated = span
            if !alertsOnOpenSpans.isEmpty, let earlier = alertsOnOpenSpans.removeValue(forKey: span.summary.uid) {
                annotated.alerts += earlier
            }
            let before = alerts
            let subject = RuleSubject(span: annotated)
            for index in epoch.spanEndRules { evaluate(index, of: epoch, subject, at: span.end, forward: forward) }
            annotated.alerts += alerts - before
            forward(.span(annotated))
        case .stats:
            // The end: report what throttling held back and nobody reported yet, before the stats.
            for epoch in epochs { reportPendingSuppressed(epoch, forward: forward) }
            forward(record)
        default:
            forward(record)
        }
        runInFlightRules(forward: forward)
    }

    public func tick(now: Int64, forward: (Record) -> Void) {
        if now > self.now { self.now = now }
        runInFlightRules(forward: forward)
    }

    private func evaluateLineRules(_ line: LineRecord, in uid: SpanUID, _ epoch: RuleEpoch, forward: (Record) -> Void) {
        if lineSubject?.span.summary.uid == uid {
            // The engine counted this line into the span before emitting it; do the same here.
            lineSubject!.span.lines += 1
            if let level = line.level, level >= .error {
                lineSubject!.span.errors += 1
                lineSubject!.span.errorsTotal += 1
            }
            lineSubject!.span.end = max(lineSubject!.span.end, line.timestamp)
        } else {
            // A line attributed to a span that has ended since has no open span to show.
            guard let span = spans?.openSpan(uid, now: line.timestamp) else { return }
            lineSubject = RuleSubject(span: span)
        }
        // Moved out and back rather than copied: a copy retains every field, for every line.
        var subject = lineSubject.take()!
        subject.setLine(line)
        for index in epoch.lineRules { evaluate(index, of: epoch, subject, line: line, at: line.timestamp, forward: forward) }
        lineSubject = consume subject
    }

    /// Runs one rule; true when its condition matched (whether the alert was sent or throttled).
    @discardableResult
    private func evaluate(_ index: Int, of epoch: RuleEpoch, _ subject: RuleSubject, line: LineRecord? = nil,
                          at timestamp: Int64, forward: (Record) -> Void) -> Bool {
        let rule = epoch.ruleSet.rules[index]
        guard rule.condition(subject) else { return false }
        var suppressedBefore = 0
        if let throttle = rule.throttle {
            let key = throttle.key.map { OutputTemplate.format($0.read(subject), as: $0.type) } ?? ""
            switch epoch.throttles[index].decide(key: key, at: timestamp, spec: throttle) {
            case .suppress:
                suppressed += 1
                return true
            case .send(let count):
                suppressedBefore = count
            }
        }
        alerts += 1
        if rule.trigger != .spanEnd { alertsOnOpenSpans[subject.span.summary.uid, default: 0] += 1 }
        forward(.alert(AlertRecord(timestamp: timestamp, rule: rule.name, priority: rule.priority,
                                   message: rule.output.render(subject), trigger: rule.trigger, span: subject.span,
                                   line: line, suppressed: suppressedBefore)))
        return true
    }

    /// In-flight rules look at open spans as time passes. An epoch that a reload replaced has
    /// its last look at the moment of the reload, so a span that crossed its limit before the
    /// reload is judged by the rules in force when it crossed.
    private func runInFlightRules(forward: (Record) -> Void) {
        if epochs.count > 1 {
            for index in 0..<(epochs.count - 1) where !epochs[index].inFlightClosed {
                let replacedAt = epochs[index + 1].from
                guard replacedAt <= now else { break }
                let epoch = epochs[index]
                epoch.inFlightClosed = true
                if !epoch.inFlightRules.isEmpty { checkInFlight(epoch, at: replacedAt, forward: forward) }
            }
            retireReplaced(forward: forward)
        }
        let current = epoch(at: now)
        if !current.inFlightRules.isEmpty, now >= current.nextInFlightCheck { checkInFlight(current, at: now, forward: forward) }
    }

    private func checkInFlight(_ epoch: RuleEpoch, at now: Int64, forward: (Record) -> Void) {
        epoch.nextInFlightCheck = now.addingReportingOverflow(Self.inFlightInterval).overflow ? .max : now + Self.inFlightInterval
        guard let spans else { return }
        for index in epoch.inFlightRules {
            let (cutoff, below) = now.subtractingReportingOverflow(epoch.ruleSet.rules[index].openLongerThan)
            if below { continue }
            // Spans that crossed the limit since the last check join the watch list once.
            let crossed = spans.openSpans(enteredAfter: epoch.inFlightCursor[index], startedAtOrBefore: cutoff, now: now,
                                          limit: Self.maxWatched)
            if let last = crossed.last { epoch.inFlightCursor[index] = last.summary.uid.sequence }
            epoch.inFlightWatch[index] += crossed.map(\.summary.uid)
            if epoch.inFlightWatch[index].count > Self.maxWatched {
                epoch.inFlightWatch[index].removeFirst(epoch.inFlightWatch[index].count - Self.maxWatched)
            }
            var stillWatched: [SpanUID] = []
            for uid in epoch.inFlightWatch[index] {
                guard !epoch.inFlightFired[index].contains(uid), let span = spans.openSpan(uid, now: now) else { continue }
                if evaluate(index, of: epoch, RuleSubject(span: span), at: now, forward: forward) {
                    // Once per span instance.
                    epoch.inFlightFired[index].insert(uid)
                } else {
                    stillWatched.append(uid)
                }
            }
            epoch.inFlightWatch[index] = stillWatched
            // Forget fired spans that have ended.
            if epoch.inFlightFired[index].count > 1024 {
                epoch.inFlightFired[index] = epoch.inFlightFired[index].filter { spans.openSpan($0, now: now) != nil }
            }
        }
    }

    /// Drops replaced rule sets whose successor has been in force for `replacedRulesKept`, or
    /// past `maxReplacedKept`, reporting what their throttles still held back.
    private func retireReplaced(forward: (Record) -> Void) {
        while epochs.count > 1 {
            let successorFrom = epochs[1].from
            let expired = !successorFrom.addingReportingOverflow(Self.replacedRulesKept).overflow
                && successorFrom + Self.replacedRulesKept <= now
            guard expired || epochs.count > Self.maxReplacedKept + 1 else { break }
            reportPendingSuppressed(epochs.removeFirst(), forward: forward)
        }
    }

    private func reportPendingSuppressed(_ epoch: RuleEpoch, forward: (Record) -> Void) {
        for (index, rule) in epoch.ruleSet.rules.enumerated() {
            for (key, count) in epoch.throttles[index].takePending() {
                let keyText = key.isEmpty ? "" : " for \(key)"
                forward(.warning(WarningRecord(
                    timestamp: now, kind: .alertsSuppressed,
                    message: "rule \(rule.name)\(keyText): \(Wording.count(count, "alert")) throttled after the last one shown",
                    pid: nil, tid: nil,
                    details: [("rule", .string(rule.name)), ("key", .string(key)), ("count", .integer(Int64(count)))])))
            }
        }
    }
}
