public struct WarningRecord: Sendable {
    public enum Kind: String, Sendable {
        case unmatchedExit = "unmatched_exit"
        /// A switch marker (`=`) named a span that is not open.
        case unmatchedSwitch = "unmatched_switch"
        case markerError = "marker_error"
        /// An enter marker's `traceparent`, `trace_id` or `span_id` was malformed.
        case traceContextError = "trace_context_error"
        case lostEvents = "lost_events"
        case truncatedWrite = "truncated_write"
        /// Alerts a rule throttled that no later alert reported (at the end of a session).
        case alertsSuppressed = "alerts_suppressed"
        /// A rule set could not be loaded (a reload); the previous one keeps running.
        case rulesNotReloaded = "rules_not_reloaded"
        /// A marker slip recognised from what it did to spans (buffered markers, `t` from a
        /// short-lived helper), said once per session with what to write instead.
        case likelyMistake = "likely_mistake"
    }

    public var timestamp: Int64
    public var kind: Kind
    public var message: String
    public var pid: Int32?
    public var tid: Int32?
    /// Extra fields, rendered in order (for example the marker text and error column).
    public var details: [(name: String, value: DetailValue)]

    public enum DetailValue: Sendable {
        case string(String)
        case integer(Int64)
    }

    public init(timestamp: Int64, kind: Kind, message: String, pid: Int32? = nil, tid: Int32? = nil,
                details: [(name: String, value: DetailValue)] = []) {
        self.timestamp = timestamp
        self.kind = kind
        self.message = message
        self.pid = pid
        self.tid = tid
        self.details = details
    }
}
