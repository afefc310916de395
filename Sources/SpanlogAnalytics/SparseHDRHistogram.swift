/// An HDR histogram of durations with three significant digits, as HdrHistogram records them
/// (the same buckets, the same percentile walk, so the same figures), that stores only the
/// buckets it has counts in. HdrHistogram's dense array covers every bucket up to an hour:
/// 270 KB per tag path, and a walk of 34,000 counters per percentile; `top` keeps one per tag
/// path and reads them every second. Here a path with spans of a few hundred distinct
/// latencies costs a few kilobytes, and a percentile walks only those.
package struct SparseHDRHistogram {
    // HdrHistogram's layout for a lowest discernible value of 1 and three significant digits:
    // single-unit resolution up to 2,000, so 2,048 sub-buckets, half of them per bucket after the
    // first.
    private static let subBucketCountMagnitude = 11
    private static let subBucketHalfCountMagnitude = subBucketCountMagnitude - 1
    private static let subBucketCount = 1 << subBucketCountMagnitude
    private static let subBucketHalfCount = subBucketCount / 2
    private static let subBucketMask = UInt64(subBucketCount - 1)
    private static let leadingZeroCountBase = 64 - subBucketCountMagnitude

    /// Bucket indices in ascending order, and their counts.
    private var indices: [Int32] = []
    private var counts: [UInt64] = []
    package private(set) var totalCount: UInt64 = 0
    private var maxValue: UInt64 = 0
    private var minNonZeroValue = UInt64.max

    package init() {}

    package mutating func record(_ value: UInt64) {
        let index = Int32(Self.countsIndex(for: value))
        // Most spans of a path land in a bucket seen before: a binary search finds it.
        var low = 0, high = indices.count
        while low < high {
            let middle = (low + high) / 2
            if indices[middle] < index { low = middle + 1 } else { high = middle }
        }
        if low < indices.count && indices[low] == index {
            counts[low] &+= 1
        } else {
            indices.insert(index, at: low)
            counts.insert(1, at: low)
        }
        totalCount &+= 1
        if value > maxValue { maxValue = value }
        if value < minNonZeroValue && value != 0 { minNonZeroValue = value }
    }

    /// HdrHistogram's `valueAtPercentile`, for several percentiles in one walk (ascending).
    package func values(atPercentiles percentiles: [Double]) -> [UInt64] {
        var results: [UInt64] = []
        results.reserveCapacity(percentiles.count)
        var position = 0
        var runningTotal: UInt64 = 0
        for percentile in percentiles {
            if percentile == 0 {
                results.append(minimum)
                continue
            }
            if percentile >= 100 {
                results.append(maxValue)
                continue
            }
            let requested = Swift.min(Swift.max(percentile.nextDown, 0), 100)
            let countAtPercentile = Swift.max(1, UInt64(((requested * Double(totalCount)) / 100).rounded(.up)))
            while position < indices.count && runningTotal + counts[position] < countAtPercentile {
                runningTotal += counts[position]
                position += 1
            }
            guard position < indices.count else {
                results.append(0)
                continue
            }
            let value = Self.highestEquivalent(Self.value(atIndex: Int(indices[position])))
            results.append(Swift.max(Swift.min(value, maxValue), minimum))
        }
        return results
    }

    private var minimum: UInt64 {
        (indices.first == 0 || totalCount == 0) ? 0 : minNonZeroValue
    }

    private static func bucketIndex(for value: UInt64) -> Int {
        leadingZeroCountBase - (value | subBucketMask).leadingZeroBitCount
    }

    private static func countsIndex(for value: UInt64) -> Int {
        let bucket = bucketIndex(for: value)
        let subBucket = Int(value >> bucket)
        return ((bucket + 1) << subBucketHalfCountMagnitude) + (subBucket - subBucketHalfCount)
    }

    private static func value(atIndex index: Int) -> UInt64 {
        var bucket = (index >> subBucketHalfCountMagnitude) - 1
        var subBucket = (index & (subBucketHalfCount - 1)) + subBucketHalfCount
        if bucket < 0 {
            subBucket -= subBucketHalfCount
            bucket = 0
        }
        return UInt64(subBucket) << bucket
    }

    private static func highestEquivalent(_ value: UInt64) -> UInt64 {
        let bucket = bucketIndex(for: value)
        let subBucket = Int(value >> bucket)
        let lowest = UInt64(subBucket) << bucket
        let size = UInt64(1) << (subBucket >= subBucketCount ? bucket + 1 : bucket)
        return lowest + size - 1
    }
}
