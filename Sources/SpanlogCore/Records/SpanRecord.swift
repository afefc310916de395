public struct SpanRecord: Sendable {
    public var summary: SpanSummary
    public var parent: SpanUID?
    /// Number of enclosing spans; 0 for a root.
    public var depth: Int
    public var pid: Int32
    public var tid: Int32
    public var comm: String
    public var start: Int64
    public var end: Int64
    public var enterArgs: MarkerArgs
    public var exitArgs: MarkerArgs
    public var lines: Int
    public var errors: Int
    /// Error lines of this span and of its descendants that ended before it.
    public var errorsTotal: Int
    /// How it ended; whether it succeeded is `outcome`.
    public var endReason: SpanEndReason
    public var container: String?
    /// Whether the parent was still open when this span ended (renderers nest it then).
    public var parentIsOpen: Bool
    /// Alerts rules of any kind raised on this span.
    public var alerts = 0
    /// What the span wrote, per stream, and with `--span-io` its threads' system calls.
    public var io = SpanIO()

    /// Wrapping: both times are the same monotonic clock shifted by one offset, so the difference
    /// is exact even when a capture's offset pushes them past the ends of the range.
    public var durationNanoseconds: Int64 { end &- start }

    /// Whether it succeeded, and why not.
    public var outcome: SpanOutcome { SpanOutcome(endReason: endReason, errorsTotal: errorsTotal, exitArgs: exitArgs) }
}
