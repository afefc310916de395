/// One destination of records: a renderer or sink, its name as the user wrote it, and its health.
public final class OutputChannel {
    public let name: String
    public let sink: RecordSink
    public let health: OutputHealth
    /// Whether this output writes to spanlog's own standard output: a reader closing that pipe
    /// ends spanlog quietly when nothing else is left to write to (like other Unix tools).
    public let isStandardOutput: Bool
    /// False for an output that ignores line records (statsd): the fan-out does not hand them.
    public let wantsLines: Bool
    /// Records handed to this output; the fan-out counts them for all outputs at once.
    public var records: Int { recordsBeforeGone ?? fanoutRecords?() ?? 0 }
    var fanoutRecords: (() -> Int)?
    var recordsBeforeGone: Int?

    public init(name: String, sink: RecordSink, health: OutputHealth = OutputHealth(), isStandardOutput: Bool = false,
                wantsLines: Bool = true) {
        self.name = name
        self.sink = sink
        self.health = health
        self.isStandardOutput = isStandardOutput
        self.wantsLines = wantsLines
    }

    public var status: OutputStatus {
        let error: String?
        switch health.firstFailure {
        case nil: error = nil
        case .closed: error = "closed by its reader"
        case .writeFailed(let reason), .unavailable(let reason): error = reason
        }
        return OutputStatus(name: name, records: records, failedWrites: health.failedWrites,
                            lostBytes: health.lostBytes, error: error, counters: sink.counters)
    }
}

/// Per-output accounting, carried by the stats record.
public struct OutputStatus: Sendable, Equatable {
    public var name: String
    public var records: Int
    public var failedWrites: Int
    public var lostBytes: Int
    /// The first failure, in words; nil while the output works.
    public var error: String?
    /// The output's own counters (`RecordSink.counters`).
    public var counters: [(name: String, value: Int)] = []

    public static func == (lhs: OutputStatus, rhs: OutputStatus) -> Bool {
        lhs.name == rhs.name && lhs.records == rhs.records && lhs.failedWrites == rhs.failedWrites
            && lhs.lostBytes == rhs.lostBytes && lhs.error == rhs.error
            && lhs.counters.map(\.name) == rhs.counters.map(\.name) && lhs.counters.map(\.value) == rhs.counters.map(\.value)
    }
}
