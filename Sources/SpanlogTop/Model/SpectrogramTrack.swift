import SpanlogCore

/// Ended spans of one tag path per (second, latency bucket), for the spectrogram and the rate.
/// Stored as packed entries in time order: a tag path costs memory only for the seconds and
/// buckets it had spans in.
struct SpectrogramTrack {
    /// second (40 bits) | bucket (5 bits) | count (19 bits, saturating).
    private var entries: [UInt64] = []
    private var start = 0

    private static let countBits: UInt64 = 19
    private static let bucketBits: UInt64 = 5
    private static let countMask: UInt64 = (1 << countBits) - 1

    mutating func record(second: Int64, bucket: Int, keepSeconds: Int) {
        let key = UInt64(truncatingIfNeeded: second) << (Self.bucketBits + Self.countBits) | UInt64(bucket) << Self.countBits
        // This second's entries are at the end: look back through them only.
        var index = entries.count - 1
        while index >= start {
            let entry = entries[index]
            if entry >> Self.countBits == key >> Self.countBits {
                if entry & Self.countMask < Self.countMask { entries[index] = entry + 1 }
                return
            }
            if Int64(entry >> (Self.bucketBits + Self.countBits)) != second { break }
            index -= 1
        }
        entries.append(key | 1)
        prune(before: second - Int64(keepSeconds))
    }

    private mutating func prune(before second: Int64) {
        while start < entries.count, Int64(entries[start] >> (Self.bucketBits + Self.countBits)) < second { start += 1 }
        // Give the space back once most of the array is history.
        if start > 1024 && start * 2 > entries.count {
            entries.removeFirst(start)
            start = 0
        }
    }

    /// Calls `body(second, bucket, count)` for every entry from `second` on.
    func forEach(from second: Int64, _ body: (Int64, Int, Int) -> Void) {
        var index = entries.count - 1
        while index >= start, Int64(entries[index] >> (Self.bucketBits + Self.countBits)) >= second { index -= 1 }
        for entry in entries[(index + 1)...] {
            body(Int64(entry >> (Self.bucketBits + Self.countBits)),
                 Int((entry >> Self.countBits) & ((1 << Self.bucketBits) - 1)), Int(entry & Self.countMask))
        }
    }

    /// Spans that ended in the seconds `from ..< to`.
    func count(from: Int64, to: Int64) -> Int {
        var total = 0
        forEach(from: from) { second, _, count in if second < to { total += count } }
        return total
    }
}
