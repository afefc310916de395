import SpanlogCore

/// Runs a rule set on the records flowing from the engine to the outputs: span-end rules on
/// each ended span, line rules on each line inside a span, in-flight rules on open spans as
/// time passes. Alerts are records sent on to every output; a span-end alert goes before its
/// span record, so a grouped view prints it inside the span's block.
public final class RuleEvaluator: RecordProcessor {
    private var ruleSet: RuleSet
    private var spanEndRules: [Int] = []
    private var lineRules: [Int] = []
    private var inFlightRules: [Int] = []
    private var throttles: [ThrottleState] = []
    /// In-flight rules: the last span (by sequence) each has looked at, and the spans past the
    /// limit that did not match yet, checked again as they run.
    private var inFlightCursor: [UInt64] = []
    private var inFlightWatch: [[SpanUID]] = []
    private var inFlightFired: [Set<SpanUID>] = []
    private unowned(unsafe) var spans: OpenSpanQuery?
    /// Wall-clock time as known from records (replay) or ticks (live).
    private var now: Int64 = 0
    private var nextInFlightCheck: Int64 = 0
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

    public init(_ ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        index()
    }

    /// Replaces the rules (a reload); throttles and in-flight state start afresh.
    public func replace(_ ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        index()
    }

    public var ruleCount: Int { ruleSet.rules.count }

    private func index() {
        let rules = ruleSet.rules
        spanEndRules = rules.indices.filter { rules[$0].trigger == .spanEnd }
        lineRules = rules.indices.filter { rules[$0].trigger == .line }
        inFlightRules = rules.indices.filter { rules[$0].trigger == .inFlight }
        throttles = Array(repeating: ThrottleState(), count: rules.count)
        inFlightCursor = Array(repeating: 0, count: rules.count)
        inFlightWatch = Array(repeating: [], count: rules.count)
        inFlightFired = Array(repeating: [], count: rules.count)
    }

    public func attach(to spans: OpenSpanQuery) {
        self.spans = spans
    }

    public func count(into counters: inout ProcessorCounters) {
        counters.rules = ProcessorCounters.Rules(alerts: alerts, alertsSuppressed: suppressed)
    }

    public var passesEverything: Bool { spanEndRules.isEmpty && lineRules.isEmpty && inFlightRules.isEmpty }

    public func process(_ record: Record, forward: (Record) -> Void) {
        switch record {
        case .line(let line) where !lineRules.isEmpty:
            if line.timestamp > now { now = line.timestamp }
            forward(record)
            if let uid = line.span?.uid { evaluateLineRules(line, in: uid, forward: forward) }
        case .line(let line):
            if line.timestamp > now { now = line.timestamp }
            forward(record)
        case .span(let span):
            if span.end > now { now = span.end }
            lineSubject = nil
            // Without span-end rules or earlier alerts the record passes on as it is: no copy to rebuild.
            guard !spanEndRules.isEmpty || !alertsOnOpenSpans.isEmpty else {
                forward(record)
                break
            }
            var annotated = span
            if !alertsOnOpenSpans.isEmpty, let earlier = alertsOnOpenSpans.removeValue(forKey: span.summary.uid) {
                annotated.alerts += earlier
            }
            let before = alerts
            let subject = RuleSubject(span: annotated)
            for index in spanEndRules { evaluate(index, subject, at: span.end, forward: forward) }
            annotated.alerts += alerts - before
            forward(.span(annotated))
        case .stats:
            // The end: report what throttling held back and nobody reported yet, before the stats.
            reportPendingSuppressed(forward: forward)
            forward(record)
        default:
            forward(record)
        }
        if !inFlightRules.isEmpty, now >= nextInFlightCheck { checkInFlight(forward: forward) }
    }

    public func tick(now: Int64, forward: (Record) -> Void) {
        if now > self.now { self.now = now }
        if !inFlightRules.isEmpty, self.now >= nextInFlightCheck { checkInFlight(forward: forward) }
    }

    private func evaluateLineRules(_ line: LineRecord, in uid: SpanUID, forward: (Record) -> Void) {
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
        for index in lineRules { evaluate(index, subject, line: line, at: line.timestamp, forward: forward) }
        lineSubject = consume subject
    }

    /// Runs one rule; true when its condition matched (whether the alert was sent or throttled).
    @discardableResult
    private func evaluate(_ index: Int, _ subject: RuleSubject, line: LineRecord? = nil, at timestamp: Int64,
                          forward: (Record) -> Void) -> Bool {
        let rule = ruleSet.rules[index]
        guard rule.condition(subject) else { return false }
        var suppressedBefore = 0
        if let throttle = rule.throttle {
            let key = throttle.key.map { OutputTemplate.format($0.read(subject), as: $0.type) } ?? ""
            switch throttles[index].decide(key: key, at: timestamp, spec: throttle) {
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

    private func checkInFlight(forward: (Record) -> Void) {
        nextInFlightCheck = now.addingReportingOverflow(Self.inFlightInterval).overflow ? .max : now + Self.inFlightInterval
        guard let spans else { return }
        for index in inFlightRules {
            let (cutoff, below) = now.subtractingReportingOverflow(ruleSet.rules[index].openLongerThan)
            if below { continue }
            // Spans that crossed the limit since the last check join the watch list once.
            let crossed = spans.openSpans(enteredAfter: inFlightCursor[index], startedAtOrBefore: cutoff, now: now,
                                          limit: Self.maxWatched)
            if let last = crossed.last { inFlightCursor[index] = last.summary.uid.sequence }
            inFlightWatch[index] += crossed.map(\.summary.uid)
            if inFlightWatch[index].count > Self.maxWatched {
                inFlightWatch[index].removeFirst(inFlightWatch[index].count - Self.maxWatched)
            }
            var stillWatched: [SpanUID] = []
            for uid in inFlightWatch[index] {
                guard !inFlightFired[index].contains(uid), let span = spans.openSpan(uid, now: now) else { continue }
                if evaluate(index, RuleSubject(span: span), at: now, forward: forward) {
                    // Once per span instance.
                    inFlightFired[index].insert(uid)
                } else {
                    stillWatched.append(uid)
                }
            }
            inFlightWatch[index] = stillWatched
            // Forget fired spans that have ended.
            if inFlightFired[index].count > 1024 {
                inFlightFired[index] = inFlightFired[index].filter { spans.openSpan($0, now: now) != nil }
            }
        }
    }

    private func reportPendingSuppressed(forward: (Record) -> Void) {
        for (index, rule) in ruleSet.rules.enumerated() {
            for (key, count) in throttles[index].takePending() {
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
