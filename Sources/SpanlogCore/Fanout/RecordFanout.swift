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
    /// Some active outputs take no lines (statsd): lines go to `lineChannels` only. Checked only
    /// then, since telling a record's kind costs a copy of it in the commonest path.
    private var someSkipLines = false
    private var lineChannels: [OutputChannel] = []
    /// Some processor takes no lines: lines go past it; or none does, and lines go straight out.
    private let someStageSkipsLines: Bool
    private let everyStageSkipsLines: Bool
    /// Records emitted so far (to every active output), and how many of them were lines.
    private var emitted = 0
    private var emittedLines = 0
    /// Called once per output, on its first failure (the session reports it).
    private let onFirstFailure: (OutputChannel) -> Void
    private var reported: [Bool]
    private var healthChanged = false

    /// Every stage, for its counters.
    public let processors: [RecordProcessor]
    /// What the stats record says about the live source (set once it runs).
    public var collectorFields: [(name: String, value: String)] = []
    /// The stages records pass before the outputs, in order.
    private let stages: [RecordProcessor]

    public init(channels: [OutputChannel], processors: [RecordProcessor] = [],
                onFirstFailure: @escaping (OutputChannel) -> Void = { _ in }) {
        self.channels = channels
        self.processors = processors
        stages = processors.filter { !$0.passesEverything }
        active = channels
        solo = channels.count == 1 ? channels[0].sink : nil
        someStageSkipsLines = stages.contains { !$0.seesLines }
        everyStageSkipsLines = stages.allSatisfy { !$0.seesLines }
        self.onFirstFailure = onFirstFailure
        reported = Array(repeating: false, count: channels.count)
        sortChannelsByLines()
        for channel in channels {
            channel.health.onFailure = { [unowned self] in healthChanged = true }
            let wantsLines = channel.wantsLines
            channel.fanoutRecords = { [unowned self] in wantsLines || !someSkipLines ? emitted : emitted - emittedLines }
        }
    }

    public func emit(_ record: Record) {
        if stages.isEmpty || everyStageSkipsLines && record.isLine {
            deliver(record)
        } else {
            process(record, from: 0)
        }
    }

    /// Wall-clock time passed: processors with timers (in-flight rules) get to run.
    public func tick(now: Int64) {
        for (index, stage) in stages.enumerated() {
            stage.tick(now: now) { process($0, from: index + 1) }
        }
    }

    private func process(_ record: Record, from stage: Int) {
        var stage = stage
        if someStageSkipsLines, record.isLine {
            while stage < stages.count, !stages[stage].seesLines { stage += 1 }
        }
        if stage == stages.count {
            deliver(record)
        } else {
            stages[stage].process(record) { process($0, from: stage + 1) }
        }
    }

    @inline(__always) private func deliver(_ record: Record) {
        emitted += 1
        if someSkipLines, record.isLine {
            emittedLines += 1
            for channel in lineChannels { channel.sink.emit(record) }
        } else if record.isStats {
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
        for channel in active { channel.sink.settle() }
        for processor in processors { processor.count(into: &stats.counters) }
        stats.outputs = channels.map(\.status)
        stats.collector = collectorFields
        for channel in active { channel.sink.emit(.stats(stats)) }
    }

    /// Whether any output shows lines that have not ended yet.
    public var wantsPreviews: Bool { channels.contains { $0.sink.wantsPreviews } }

    /// A line that waits for its end goes to the outputs that show such lines, past every
    /// processor: it is no record, and its whole line follows as one.
    public func preview(_ line: LinePreview) {
        for channel in active where channel.sink.wantsPreviews { channel.sink.preview(line) }
    }

    public func sessionStarted(_ start: SessionStart) {
        for channel in channels { channel.sink.sessionStarted(start) }
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

    private func sortChannelsByLines() {
        lineChannels = active.filter(\.wantsLines)
        // One output left that takes no lines gets them and ignores them: cheaper than asking.
        someSkipLines = active.count > 1 && lineChannels.count < active.count
    }

    private func checkHealth() {
        healthChanged = false
        for index in channels.indices where !reported[index] && channels[index].health.hasFailed {
            reported[index] = true
            onFirstFailure(channels[index])
        }
        for channel in active where channel.health.isGone { channel.recordsBeforeGone = channel.records }
        active.removeAll { $0.health.isGone }
        solo = active.count == 1 ? active[0].sink : nil
        sortChannelsByLines()
    }
}
