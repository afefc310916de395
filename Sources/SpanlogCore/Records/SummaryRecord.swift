/// Latency figures of every span with one tag path, over a session or one interval of it.
public struct SummaryRow: Sendable, Equatable {
    public var tags: [String]
    public var count: Int
    /// Spans whose outcome is failed (`SpanOutcome`).
    public var failed: Int
    public var minNanoseconds: Int64
    public var meanNanoseconds: Int64
    public var p50Nanoseconds: Int64
    public var p90Nanoseconds: Int64
    public var p99Nanoseconds: Int64
    public var maxNanoseconds: Int64
    public var linesMean: Double
    /// Mean bytes of the spans' own lines.
    public var bytesMean: Double = 0
    /// Mean bytes read and written through any descriptor (`--span-io`), over the spans that
    /// have the figures; nil when none has.
    public var readBytesMean: Double?
    public var writtenBytesMean: Double?
    /// Spans per `LatencyBuckets` bucket, when a histogram was asked for.
    public var histogram: [Int]?

    public init(tags: [String], count: Int, failed: Int, minNanoseconds: Int64, meanNanoseconds: Int64,
                p50Nanoseconds: Int64, p90Nanoseconds: Int64, p99Nanoseconds: Int64, maxNanoseconds: Int64,
                linesMean: Double, histogram: [Int]? = nil) {
        self.tags = tags
        self.count = count
        self.failed = failed
        self.minNanoseconds = minNanoseconds
        self.meanNanoseconds = meanNanoseconds
        self.p50Nanoseconds = p50Nanoseconds
        self.p90Nanoseconds = p90Nanoseconds
        self.p99Nanoseconds = p99Nanoseconds
        self.maxNanoseconds = maxNanoseconds
        self.linesMean = linesMean
        self.histogram = histogram
    }
}

/// A latency summary: one row per tag path, parents before their children.
public struct SummaryRecord: Sendable, Equatable {
    public var timestamp: Int64
    /// Start of the interval covered (`--summary-every`); nil for the whole session.
    public var since: Int64?
    public var rows: [SummaryRow]

    public init(timestamp: Int64, since: Int64?, rows: [SummaryRow]) {
        self.timestamp = timestamp
        self.since = since
        self.rows = rows
    }
}

/// The histogram's buckets: log-scale, three per decade from 1 µs to 100 s, plus one below and
/// one above. Bucket `i` holds durations in `[edges[i-1], edges[i])` (the first from 0, the last
/// to infinity).
public enum LatencyBuckets {
    /// 1 µs, 2.15 µs, 4.64 µs, 10 µs, … 100 s: the upper edges of buckets 0 to 24.
    public static let edges: [Int64] = (0...24).map { step in
        let exponent = 3.0 + Double(step) / 3.0  // 10^3 ns = 1 µs … 10^11 ns = 100 s
        return Int64((pow10(exponent)).rounded())
    }

    public static var count: Int { edges.count + 1 }

    /// The bucket of a duration.
    public static func bucket(of nanoseconds: Int64) -> Int {
        var low = 0, high = edges.count
        while low < high {
            let middle = (low + high) / 2
            if nanoseconds < edges[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }

    private static func pow10(_ exponent: Double) -> Double {
        // Exact for the integer decades, so the edges are 1000, 10000, … exactly.
        let whole = exponent.rounded(.down)
        var value = 1.0
        for _ in 0..<Int(whole) { value *= 10 }
        let fraction = exponent - whole
        guard fraction > 0 else { return value }
        return value * (fraction < 0.5 ? 2.154434690031884 : 4.641588833612779)
    }
}
