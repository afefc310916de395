/// Counters the engine keeps. Nothing is dropped without landing in one of these.
public struct EngineStats: Sendable, Equatable {
    public var events = 0
    public var writes = 0
    public var lines = 0
    public var markers = 0
    public var markerErrors = 0
    /// Lines written to /dev/null that are not markers (output a program discarded).
    public var discardedLines = 0
    public var unmatchedExits = 0
    public var unmatchedSwitches = 0
    /// Enter markers whose `traceparent`, `trace_id` or `span_id` was malformed (the span was
    /// still entered, with ids of its own).
    public var traceContextErrors = 0
    public var spansStarted = 0
    public var spansEnded = 0
    public var openSpans = 0
    public var abandonedSpans = 0
    public var timedOutSpans = 0
    public var evictedSpans = 0
    public var truncatedLines = 0
    /// Writes larger than the collector's per-write limit, and the bytes that were not captured.
    public var truncatedWrites = 0
    public var uncapturedBytes = 0
    /// Events the kernel could not hand over (ring buffer full).
    public var lostEvents: UInt64 = 0
    /// Output the capture rules leave out on purpose.
    public var skipped = SkippedOutput()

    public init() {}
}

extension EngineStats {
    /// Counter names as they appear in stats records, in a fixed order.
    public var fields: [(name: String, value: Int64)] {
        [
            ("events", Int64(events)), ("writes", Int64(writes)), ("lines", Int64(lines)),
            ("markers", Int64(markers)), ("marker_errors", Int64(markerErrors)),
            ("discarded_lines", Int64(discardedLines)), ("unmatched_exits", Int64(unmatchedExits)),
            ("spans_started", Int64(spansStarted)), ("spans_ended", Int64(spansEnded)),
            ("open_spans", Int64(openSpans)), ("abandoned_spans", Int64(abandonedSpans)),
            ("timed_out_spans", Int64(timedOutSpans)), ("evicted_spans", Int64(evictedSpans)),
            ("truncated_lines", Int64(truncatedLines)), ("truncated_writes", Int64(truncatedWrites)),
            ("uncaptured_bytes", Int64(uncapturedBytes)), ("lost_events", Int64(clamping: lostEvents)),
            ("unmatched_switches", Int64(unmatchedSwitches)),
            ("skipped_pipe_writes", Int64(clamping: skipped.treePipeWrites)),
            ("skipped_pipe_bytes", Int64(clamping: skipped.treePipeBytes)),
            ("skipped_file_writes", Int64(clamping: skipped.otherFileWrites)),
            ("skipped_file_bytes", Int64(clamping: skipped.otherFileBytes)),
            ("trace_context_errors", Int64(traceContextErrors)),
        ]
    }
}
