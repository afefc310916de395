/// Where the engine sends records. Renderers and sinks implement it.
public protocol RecordSink: AnyObject {
    func emit(_ record: Record)
    /// Hands buffered output on; the live pipeline calls it whenever it goes idle.
    func flush()
    /// Called once, after the last record.
    func finish()
    /// Called once, before the first record: where the records come from.
    func sessionStarted(_ start: SessionStart)
    /// Called before the session's final accounting is read (the stats record): an output that
    /// still holds records delivers them now, or counts them lost, so that its counters are final.
    func settle()
    /// What this output alone counts (journald: entries sent as their writer's), for the stats
    /// record's `outputs` entry.
    var counters: [(name: String, value: Int)] { get }
    /// Whether it shows lines that have not ended yet (`preview`): a text view on a terminal.
    var wantsPreviews: Bool { get }
    /// A line that waits for its end, shown as a terminal would show it (`LinePreview`).
    func preview(_ line: LinePreview)
}

extension RecordSink {
    public var wantsPreviews: Bool { false }
    public func preview(_ line: LinePreview) {}
    public var counters: [(name: String, value: Int)] { [] }
    public func sessionStarted(_ start: SessionStart) {}
    public func settle() {}
}

/// What an output may want to know of a session before its first record.
public struct SessionStart: Sendable {
    /// The traced machine: this one, or the one a replayed capture was recorded on.
    public var host: String
    /// Records come from a capture file: nothing is lost by making the source wait.
    public var isReplay: Bool

    public init(host: String, isReplay: Bool) {
        self.host = host
        self.isReplay = isReplay
    }
}
