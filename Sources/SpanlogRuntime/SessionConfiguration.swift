import SpanlogCollector
import SpanlogCore
import SpanlogOutputs
import SpanlogRules

/// Everything a session needs: where events come from, how the engine reads them, and where
/// records and raw events go. Built by the command line or the service; a value.
public struct SessionConfiguration {
    public enum Source {
        /// Replay a capture file (`-` for standard input).
        case capture(path: String)
        /// Start this command under tracing and follow it and its descendants.
        case command([String], usePty: Bool)
        /// Follow processes that run already, or start later, until a signal stops the session.
        case targets(TargetSelection)

        /// Live sources follow the kernel (and reload their rules on SIGHUP); a capture is history.
        public var isLive: Bool {
            if case .capture = self { return false }
            return true
        }
    }

    public var source: Source
    /// Engine settings; the clock offset and session number are filled in by the session.
    public var engine = EngineConfiguration(monotonicToWallOffset: 0, session: 0)
    /// Record outputs. Empty with `captureTo` set: record only, no engine.
    public var outputs: [OutputSpec] = [.text(path: nil)]
    /// Outputs built by the caller (tests, embedders), beside `outputs`.
    public var extraOutputs: [OutputChannel] = []
    public var textStyle = TextViewStyle()
    /// The journald output also sends span ends (`--journald-spans`).
    public var journaldSpans = false
    /// Rules to run on the records (nil: none). SIGHUP loads them again.
    public var rules: RuleSelection?
    /// `--filter`: only the spans it selects, and their lines and alerts, reach the outputs.
    public var filter: SpanCondition?
    /// `--summary`: latency summaries by tag path.
    public var summary: SummarySettings?
    public var collector = CollectorOptions()
    /// Write the raw events to this capture file as well.
    public var captureTo: String?
    /// A command still running this many seconds after a stop signal was passed on to its
    /// process group is killed (SIGKILL).
    public var killAfter: Double = 5
    /// Decides colour and the like; the process environment by default.
    public var environment: [String: String] = [:]
    /// Called on every turn of the live poll loop, about every 50 ms (the service's watchdog).
    public var onPoll: (() -> Void)?
    /// Called on every turn of the live poll loop with the engine's counters so far and the
    /// wall-clock time (`spanlog top` shows them as they grow).
    public var onLiveTick: ((EngineStats, Int64) -> Void)?
    /// SIGHUP: the rules to load now (the service reads its config file again); nil: `rules`.
    public var reloadRules: (() throws(SessionError) -> RuleSelection)?
    /// A SIGHUP that comes after the session judged its last event is said on stderr (the
    /// command line), or not at all (a full-screen view, where it would tear the screen).
    public var reportsLateReloadsOnStderr = true

    public init(source: Source) {
        self.source = source
    }
}

/// Latency summaries: at the end, and every `every` nanoseconds when set.
public struct SummarySettings: Sendable {
    public var every: Int64?
    public var histograms = false
    /// Only summaries (and the stats) reach the outputs: `spanlog summary`.
    public var summariesOnly = false

    public init(every: Int64? = nil, histograms: Bool = false, summariesOnly: Bool = false) {
        self.every = every
        self.histograms = histograms
        self.summariesOnly = summariesOnly
    }
}

/// How a session ended.
public struct SessionOutcome: Sendable {
    /// The command's exit status as a shell reports it (run, record with a command).
    public var commandStatus: Int32?
    /// The engine's counters at the end; nil when no engine ran (record only).
    public var stats: EngineStats?
    /// Each output's accounting at the end.
    public var outputs: [OutputStatus] = []
    /// What the capture file holds (record).
    public var capture: CaptureSummary?
    /// Set when every output lost records (each one's failure, in words): the session then did
    /// not do its job, whatever else went well.
    public var everyOutputFailed: String?
}

/// What a recording wrote.
public struct CaptureSummary: Sendable {
    public var path: String
    public var events: Int
    public var bytes: Int
    /// Events the kernel could not hand over (ring buffer full), as recorded in the capture.
    public var lostEvents: UInt64
}
