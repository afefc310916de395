import SpanlogAnalytics
import SpanlogCore

/// Everything `top` counts for one tag path.
struct SpanTypeStats {
    let tags: [String]
    var latency = LatencyAccumulator(withBuckets: false)
    var alerts = 0
    var lines = 0
    var track = SpectrogramTrack()
    /// The figures as of the last change: percentiles cost a walk of the histogram, so a row is
    /// worked out again only after a span of its path ended.
    private var cachedRow: SummaryRow?
    /// The slowest spans, slowest first (kept by the model with their lines).
    var slowest: [(duration: Int64, uid: SpanUID)] = []

    init(tags: [String]) {
        self.tags = tags
    }

    mutating func record(_ span: SpanRecord, second: Int64, keepSeconds: Int) {
        latency.record(span)
        lines += span.lines
        track.record(second: second, bucket: LatencyBuckets.bucket(of: max(0, span.durationNanoseconds)),
                     keepSeconds: keepSeconds)
        cachedRow = nil
    }

    mutating func row() -> SummaryRow? {
        guard latency.count > 0 else { return nil }
        if let cachedRow { return cachedRow }
        let row = latency.row(tags: tags)
        cachedRow = row
        return row
    }
}
