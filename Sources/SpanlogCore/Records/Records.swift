/// A span's identity: unique within a tracing session, and stable between a live run and the
/// replay of its capture (the session number comes from the capture header).
public struct SpanUID: Hashable, Sendable, CustomStringConvertible {
    public var session: UInt32
    public var sequence: UInt64

    public init(session: UInt32, sequence: UInt64) {
        self.session = session
        self.sequence = sequence
    }

    /// `8-hex-digit session` `-` `hex sequence`, for example `5f3c9a01-1b`.
    public var description: String {
        let sessionHex = String(session, radix: 16)
        return String(repeating: "0", count: 8 - sessionHex.count) + sessionHex + "-" + String(sequence, radix: 16)
    }
}

/// The part of a span that a line record carries.
public struct SpanSummary: Sendable {
    public var uid: SpanUID
    public var id: Int64
    public var tags: [String]
    /// The enclosing span at enter time; and the enter args, for outputs that annotate each
    /// line with them (journald). JSON line records show only uid, id and tags.
    public var parent: SpanUID?
    public var enterArgs: MarkerArgs

    public init(uid: SpanUID, id: Int64, tags: [String], parent: SpanUID? = nil, enterArgs: MarkerArgs = []) {
        self.uid = uid
        self.id = id
        self.tags = tags
        self.parent = parent
        self.enterArgs = enterArgs
    }

    /// Tags joined with `.`, as written in the marker.
    public var tagPath: String { tags.joined(separator: ".") }
    /// The tag path, or `(untagged)` for a span without tags: how views and messages name it.
    public var displayName: String { tags.isEmpty ? Self.untaggedName : tagPath }
    public static let untaggedName = "(untagged)"
}

public enum LogStream: String, Sendable {
    case stdout, stderr, file
}

/// Severity, ordered from least to most severe.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    public var name: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A span's output and I/O. Lines and bytes of its own lines (not its children's) per stream,
/// bytes without line ends; with `--span-io`, the bytes its thread read and wrote through any
/// descriptor and how many such system calls it made between enter and exit (nil without the
/// option, or when another thread exited the span).
public struct SpanIO: Sendable, Equatable {
    public var stdoutLines = 0
    public var stdoutBytes = 0
    public var stderrLines = 0
    public var stderrBytes = 0
    public var fileLines = 0
    public var fileBytes = 0
    public var syscalls: ThreadIO?

    public init() {}

    public var bytesWritten: Int { stdoutBytes + stderrBytes + fileBytes }
}

/// A thread's read and write system calls, as the collector counts them (`--span-io`).
public struct ThreadIO: Sendable, Equatable {
    public var readBytes: UInt64
    public var writtenBytes: UInt64
    public var reads: UInt64
    public var writes: UInt64

    public init(readBytes: UInt64 = 0, writtenBytes: UInt64 = 0, reads: UInt64 = 0, writes: UInt64 = 0) {
        self.readBytes = readBytes
        self.writtenBytes = writtenBytes
        self.reads = reads
        self.writes = writes
    }

    /// What happened between `earlier` and this reading (counters only grow).
    public func since(_ earlier: ThreadIO) -> ThreadIO {
        ThreadIO(readBytes: readBytes &- earlier.readBytes, writtenBytes: writtenBytes &- earlier.writtenBytes,
                 reads: reads &- earlier.reads, writes: writes &- earlier.writes)
    }
}

public struct LineRecord: Sendable {
    /// Wall-clock nanoseconds since the Unix epoch, UTC.
    public var timestamp: Int64
    public var pid: Int32
    public var tid: Int32
    public var comm: String
    public var stream: LogStream
    public var path: String?
    /// The line without its `\n` (or `\r\n`); bytes are kept as written, UTF-8 or not.
    public var text: ArraySlice<UInt8>
    public var level: LogLevel?
    public var truncated: Bool
    public var span: SpanSummary?

    public var textString: String { String(decoding: text, as: UTF8.self) }
}

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

public struct WarningRecord: Sendable {
    public enum Kind: String, Sendable {
        case unmatchedExit = "unmatched_exit"
        /// A switch marker (`=`) named a span that is not open.
        case unmatchedSwitch = "unmatched_switch"
        case markerError = "marker_error"
        case lostEvents = "lost_events"
        case truncatedWrite = "truncated_write"
        /// Alerts a rule throttled that no later alert reported (at the end of a session).
        case alertsSuppressed = "alerts_suppressed"
        /// A rule set could not be loaded (a reload); the previous one keeps running.
        case rulesNotReloaded = "rules_not_reloaded"
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

public struct StatsRecord: Sendable {
    public var timestamp: Int64
    public var stats: EngineStats
    /// Counters of the processors between the engine and the outputs (rules: alerts, …).
    public var counters: [(name: String, value: Int64)] = []
    /// Each output's own accounting, filled in by the fan-out.
    public var outputs: [OutputStatus] = []
    /// How the live source captures (the kernel program's attach mode and build); empty on
    /// replay.
    public var collector: [(name: String, value: String)] = []

    public init(timestamp: Int64, stats: EngineStats, outputs: [OutputStatus] = []) {
        self.timestamp = timestamp
        self.stats = stats
        self.outputs = outputs
    }
}

public enum Record: Sendable {
    case line(LineRecord)
    case span(SpanRecord)
    // The rare kinds are boxed: a record is passed by value through every stage, and an alert
    // (a span and a line) made every line and span record twice the size to copy.
    indirect case warning(WarningRecord)
    indirect case stats(StatsRecord)
    indirect case alert(AlertRecord)
    indirect case summary(SummaryRecord)

    /// Tells the case without copying the payload out (records are large; this is per line).
    @inline(__always) var isStats: Bool {
        switch self {
        case .stats: true
        default: false
        }
    }

    @inline(__always) var isLine: Bool {
        switch self {
        case .line: true
        default: false
        }
    }
}

/// Where the engine sends records. Renderers and sinks implement it.
public protocol RecordSink: AnyObject {
    func emit(_ record: Record)
    /// Hands buffered output on; the live pipeline calls it whenever it goes idle.
    func flush()
    /// Called once, after the last record.
    func finish()
    /// What this output alone counts (journald: entries sent as their writer's), for the stats
    /// record's `outputs` entry.
    var counters: [(name: String, value: Int)] { get }
}

extension RecordSink {
    public var counters: [(name: String, value: Int)] { [] }
}
