/// How urgent an alert is: the syslog/journald priorities, most urgent first.
public enum AlertPriority: Int, Sendable, CaseIterable, Comparable {
    case emergency, alert, critical, error, warning, notice, informational, debug

    public var name: String {
        switch self {
        case .emergency: "emergency"
        case .alert: "alert"
        case .critical: "critical"
        case .error: "error"
        case .warning: "warning"
        case .notice: "notice"
        case .informational: "informational"
        case .debug: "debug"
        }
    }

    /// The syslog number journald stores in PRIORITY (0 emergency … 7 debug).
    public var syslogValue: Int { rawValue }

    /// Accepts the journald/syslog names, any case, plus the usual short forms.
    public init?(name: String) {
        switch name.lowercased() {
        case "emergency", "emerg": self = .emergency
        case "alert": self = .alert
        case "critical", "crit": self = .critical
        case "error", "err": self = .error
        case "warning", "warn": self = .warning
        case "notice": self = .notice
        case "informational", "info": self = .informational
        case "debug": self = .debug
        default: return nil
        }
    }

    /// Lower raw value is more urgent; `<` reads as "less urgent than".
    public static func < (lhs: AlertPriority, rhs: AlertPriority) -> Bool { lhs.rawValue > rhs.rawValue }
}

/// What made a rule run.
public enum AlertTrigger: String, Sendable {
    /// The span ended.
    case spanEnd = "span_end"
    /// The span has been open longer than the rule's limit and still is.
    case inFlight = "span_open_longer_than"
    /// A line was written inside the span.
    case line
}

/// A rule matched. `span` is the span as known when the rule ran: for in-flight and line
/// alerts it is still open (end reason `still_open`, `end` the time of the check).
public struct AlertRecord: Sendable {
    public var timestamp: Int64
    public var rule: String
    public var priority: AlertPriority
    public var message: String
    public var trigger: AlertTrigger
    public var span: SpanRecord
    /// The line that matched (line rules).
    public var line: LineRecord?
    /// Alerts of the same rule and key throttled since the last one that was shown.
    public var suppressed: Int

    public init(timestamp: Int64, rule: String, priority: AlertPriority, message: String, trigger: AlertTrigger,
                span: SpanRecord, line: LineRecord?, suppressed: Int) {
        self.timestamp = timestamp
        self.rule = rule
        self.priority = priority
        self.message = message
        self.trigger = trigger
        self.span = span
        self.line = line
        self.suppressed = suppressed
    }
}
