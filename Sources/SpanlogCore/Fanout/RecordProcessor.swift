/// A stage between the engine and the outputs that sees every record first: it passes records
/// on (or holds them back) and may add its own (the rules add alerts; a filter drops records).
public protocol RecordProcessor: AnyObject {
    /// Called once by the engine that feeds this processor, so it can look at open spans.
    func attach(to spans: OpenSpanQuery)
    /// Handles one record; `forward` sends records on toward the outputs, in order.
    func process(_ record: Record, forward: (Record) -> Void)
    /// Wall-clock time has passed (live sessions call this every poll, with or without records).
    func tick(now: Int64, forward: (Record) -> Void)
    /// Adds this stage's counters to the stats record's.
    func count(into counters: inout ProcessorCounters)
    /// False for a stage that has nothing to do with lines: they go past it (the commonest
    /// record skips a call and a copy).
    var seesLines: Bool { get }
    /// True for a stage with nothing to do at all (rules loaded, none of them): records go past
    /// it, and only its counters are shown.
    var passesEverything: Bool { get }
}

extension RecordProcessor {
    public var seesLines: Bool { true }
    public var passesEverything: Bool { false }
    public func count(into counters: inout ProcessorCounters) {}
}

/// What a processor may ask the engine about spans that are still open. Records describe them
/// as known at `now` (wall-clock nanoseconds): end reason `still_open`, duration so far.
public protocol OpenSpanQuery: AnyObject {
    func openSpan(_ uid: SpanUID, now: Int64) -> SpanRecord?
    /// Open spans entered after the one with sequence number `sequence` (0: all) and started at
    /// or before `cutoff`, oldest first, at most `limit`.
    func openSpans(enteredAfter sequence: UInt64, startedAtOrBefore cutoff: Int64, now: Int64, limit: Int) -> [SpanRecord]
}
