/// How much `spanlog top` holds, so that a long session costs bounded memory. What falls out is
/// counted and the views say so ("older lines no longer held").
public struct TopLimits: Sendable {
    /// The most recent lines, of every span, for the one-span view.
    public var lines = 100_000
    /// Bytes of those lines (a line whose bytes were written over is no longer held).
    public var lineBytes = 16 << 20
    /// The most recently ended spans, for the lists, waterfalls and a filter's first figures.
    public var spans = 20_000
    /// The most recent alerts.
    public var alerts = 1_000
    /// The slowest spans of each tag path, kept with their lines however old they get.
    public var slowestPerType = 10
    /// Lines kept with each of those slow spans (its own and its children's).
    public var linesPerSlowSpan = 1_000
    /// Seconds of history in the latency spectrogram.
    public var spectrogramSeconds = 300
    /// Rates per second are over this many whole seconds.
    public var rateWindowSeconds = 10

    public init() {}
}
