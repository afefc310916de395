import SpanlogCore

/// Durations of the spans of one tag path: exact count, failed spans, min, max and mean, and an HDR
/// histogram (three significant digits) for the percentiles, so a million spans cost no more
/// memory than the distinct latencies among them.
package struct LatencyAccumulator {
    private var histogram = SparseHDRHistogram()
    package private(set) var count = 0
    package private(set) var failed = 0
    private var lines = 0
    private var bytes = 0
    private var withSyscalls = 0
    private var readBytes: UInt64 = 0
    private var writtenBytes: UInt64 = 0
    private var minimum = Int64.max
    private var maximum = Int64.min
    private var total: Double = 0
    /// Spans per `LatencyBuckets` bucket, exact at the edges (nil: no histogram asked for).
    private var buckets: [Int]?

    package init(withBuckets: Bool) {
        buckets = withBuckets ? Array(repeating: 0, count: LatencyBuckets.count) : nil
    }

    package mutating func record(_ span: SpanRecord) {
        let duration = max(0, span.durationNanoseconds)
        count += 1
        if span.outcome.failed { failed += 1 }
        lines += span.lines
        bytes += span.io.bytesWritten
        if let syscalls = span.io.syscalls {
            withSyscalls += 1
            readBytes &+= syscalls.readBytes
            writtenBytes &+= syscalls.writtenBytes
        }
        minimum = min(minimum, duration)
        maximum = max(maximum, duration)
        total += Double(duration)
        histogram.record(UInt64(max(1, duration)))
        if buckets != nil { buckets![LatencyBuckets.bucket(of: duration)] += 1 }
    }

    package func row(tags: [String]) -> SummaryRow {
        // The histogram reports the highest value equivalent to the percentile's; never past
        // what was really seen.
        let percentiles = histogram.values(atPercentiles: [50, 90, 99]).map { min(maximum, max(minimum, Int64(clamping: $0))) }
        var row = SummaryRow(tags: tags, count: count, failed: failed, minNanoseconds: minimum,
                             meanNanoseconds: Int64((total / Double(count)).rounded()), p50Nanoseconds: percentiles[0],
                             p90Nanoseconds: percentiles[1], p99Nanoseconds: percentiles[2], maxNanoseconds: maximum,
                             linesMean: Double(lines) / Double(count), histogram: buckets)
        row.bytesMean = Double(bytes) / Double(count)
        if withSyscalls > 0 {
            row.readBytesMean = Double(readBytes) / Double(withSyscalls)
            row.writtenBytesMean = Double(writtenBytes) / Double(withSyscalls)
        }
        return row
    }
}
