/// What went wrong with one output, kept by the writer that saw it and read by the fan-out, the
/// session (to report it once) and the stats record. One output failing never touches another.
public final class OutputHealth {
    public enum Failure: Equatable, Sendable {
        /// The reader closed the pipe or socket (EPIPE): nothing written here can be read again.
        case closed
        /// A write failed (disk full, I/O error); later writes are still tried.
        case writeFailed(String)
        /// The output could not deliver for a reason of its own (journald gone, …).
        case unavailable(String)
    }

    /// The first failure, kept so that it is reported once.
    public private(set) var firstFailure: Failure?
    /// Writes (or entries) that did not reach the destination, and their bytes.
    public private(set) var failedWrites = 0
    public private(set) var lostBytes = 0
    /// Set once the destination can take nothing more; the fan-out stops rendering for it.
    public private(set) var isGone = false

    /// Told of every failure; the fan-out uses it to look at health only when it changed.
    var onFailure: (() -> Void)?

    public init() {}

    public func record(_ failure: Failure, lostBytes bytes: Int) {
        if firstFailure == nil { firstFailure = failure }
        onFailure?()
        failedWrites += 1
        lostBytes += bytes
        if failure == .closed { isGone = true }
    }

    public var hasFailed: Bool { firstFailure != nil }
}

/// One destination of records: a renderer or sink, its name as the user wrote it, and its health.
public final class OutputChannel {
    public let name: String
    public let sink: RecordSink
    public let health: OutputHealth
    /// Whether this output writes to spanlog's own standard output: a reader closing that pipe
    /// ends spanlog quietly when nothing else is left to write to (like other Unix tools).
    public let isStandardOutput: Bool
    /// Records handed to this output; the fan-out counts them for all outputs at once.
    public var records: Int { recordsBeforeGone ?? fanoutRecords?() ?? 0 }
    fileprivate var fanoutRecords: (() -> Int)?
    fileprivate var recordsBeforeGone: Int?

    public init(name: String, sink: RecordSink, health: OutputHealth = OutputHealth(), isStandardOutput: Bool = false) {
        self.name = name
        self.sink = sink
        self.health = health
        self.isStandardOutput = isStandardOutput
    }

    public var status: OutputStatus {
        let error: String?
        switch health.firstFailure {
        case nil: error = nil
        case .closed: error = "closed by its reader"
        case .writeFailed(let reason), .unavailable(let reason): error = reason
        }
        return OutputStatus(name: name, records: records, failedWrites: health.failedWrites,
                            lostBytes: health.lostBytes, error: error)
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
}

/// Sends every record to every output. An output whose destination is gone is dropped from the
/// list, so a reader that went away costs nothing more; the others never notice. This runs for
/// every line: one output (the common case) is one direct call, with no per-output upkeep.
public final class RecordFanout: RecordSink {
    public let channels: [OutputChannel]
    /// The channels still worth rendering for.
    private var active: [OutputChannel]
    /// The sink of the only active channel. Unowned: `channels` keeps it alive, and a retain
    /// per record is measurable.
    private unowned(unsafe) var solo: RecordSink?
    /// Records emitted so far (to every active output).
    private var emitted = 0
    /// Called once per output, on its first failure (the session reports it).
    private let onFirstFailure: (OutputChannel) -> Void
    private var reported: [Bool]
    private var healthChanged = false

    public init(channels: [OutputChannel], onFirstFailure: @escaping (OutputChannel) -> Void = { _ in }) {
        self.channels = channels
        active = channels
        solo = channels.count == 1 ? channels[0].sink : nil
        self.onFirstFailure = onFirstFailure
        reported = Array(repeating: false, count: channels.count)
        for channel in channels {
            channel.health.onFailure = { [unowned self] in healthChanged = true }
            channel.fanoutRecords = { [unowned self] in emitted }
        }
    }

    @inline(__always) public func emit(_ record: Record) {
        emitted += 1
        if record.isStats {
            emitStats(record)
        } else if let solo {
            solo.emit(record)
        } else {
            // The record is passed on as it is: a copy would cost more than the fan-out.
            for channel in active { channel.sink.emit(record) }
        }
        if healthChanged { checkHealth() }
    }

    /// The stats record, with every output's accounting (this record included) added.
    private func emitStats(_ record: Record) {
        guard case .stats(var stats) = record else { return }
        stats.outputs = channels.map(\.status)
        for channel in active { channel.sink.emit(.stats(stats)) }
    }

    public func flush() {
        for channel in active { channel.sink.flush() }
        if healthChanged { checkHealth() }
    }

    public func finish() {
        for channel in active { channel.sink.finish() }
        if healthChanged { checkHealth() }
    }

    /// True once no output can take records any more: the session has nothing left to do.
    public var allGone: Bool { active.isEmpty && !channels.isEmpty }

    private func checkHealth() {
        healthChanged = false
        for index in channels.indices where !reported[index] && channels[index].health.hasFailed {
            reported[index] = true
            onFirstFailure(channels[index])
        }
        for channel in active where channel.health.isGone { channel.recordsBeforeGone = emitted }
        active.removeAll { $0.health.isGone }
        solo = active.count == 1 ? active[0].sink : nil
    }
}
