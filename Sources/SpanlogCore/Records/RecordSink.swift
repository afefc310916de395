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
