public struct StatsRecord: Sendable {
    public var timestamp: Int64
    public var stats: EngineStats
    /// Counters of the processors between the engine and the outputs (rules: alerts, …).
    public var counters = ProcessorCounters()
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
