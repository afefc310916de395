import SpanlogCore

/// One rule set and the state its rules keep (throttle budgets, in-flight watch lists), in
/// force for events from `from` (wall-clock nanoseconds, on the event clock) until the next
/// epoch's `from`. A reload starts a new epoch; the old one keeps judging the spans and lines
/// whose events are older than the reload, however late their records arrive.
final class RuleEpoch {
    let ruleSet: RuleSet
    let from: Int64
    let spanEndRules: [Int]
    let lineRules: [Int]
    let inFlightRules: [Int]
    var throttles: [ThrottleState]
    /// In-flight rules: the last span (by sequence) each has looked at, and the spans past the
    /// limit that did not match yet, checked again as they run.
    var inFlightCursor: [UInt64]
    var inFlightWatch: [[SpanUID]]
    var inFlightFired: [Set<SpanUID>]
    var nextInFlightCheck: Int64
    /// Set once a newer epoch is in force and this one's in-flight rules had their last look,
    /// at the moment the newer one began.
    var inFlightClosed = false

    init(_ ruleSet: RuleSet, from: Int64) {
        self.ruleSet = ruleSet
        self.from = from
        let rules = ruleSet.rules
        spanEndRules = rules.indices.filter { rules[$0].trigger == .spanEnd }
        lineRules = rules.indices.filter { rules[$0].trigger == .line }
        inFlightRules = rules.indices.filter { rules[$0].trigger == .inFlight }
        throttles = Array(repeating: ThrottleState(), count: rules.count)
        inFlightCursor = Array(repeating: 0, count: rules.count)
        inFlightWatch = Array(repeating: [], count: rules.count)
        inFlightFired = Array(repeating: [], count: rules.count)
        nextInFlightCheck = from
    }

    var isEmpty: Bool { spanEndRules.isEmpty && lineRules.isEmpty && inFlightRules.isEmpty }
}
