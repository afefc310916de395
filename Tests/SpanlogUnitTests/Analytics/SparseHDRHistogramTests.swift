#if canImport(Glibc)
import Glibc
#endif
import Histogram
@testable import SpanlogAnalytics
import Testing

/// The summary's and top's percentiles are HdrHistogram's, to the nanosecond.
struct SparseHDRHistogramTests {
    /// Durations spread log-uniformly from 1 ns to an hour, and some clustered ones.
    static func samples(_ count: Int, seed: UInt64) -> [UInt64] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (0..<count).map { index in
            if index % 3 == 0 { return 20_000_000 + next() % 1_000 }  // a busy bucket
            let exponent = Double(next() % 1_000_000) / 1_000_000 * 12.55  // 10^12.55 ns ≈ an hour
            return max(1, UInt64(pow10(exponent)))
        }
    }

    static func pow10(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 10 }
        return value * exp(exponent.truncatingRemainder(dividingBy: 1) * log(10))
    }

    @Test(arguments: [(1, 1), (7, 2), (100, 3), (1_000, 4), (50_000, 5)])
    func percentilesMatchHdrHistogram(count: Int, seed: Int) {
        var reference = Histogram<UInt64>(highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .three)
        reference.autoResize = true
        var sparse = SparseHDRHistogram()
        for value in Self.samples(count, seed: UInt64(seed)) {
            reference.record(value)
            sparse.record(value)
        }
        let percentiles = [0, 1, 25, 50, 90, 99, 99.9, 100.0]
        #expect(sparse.values(atPercentiles: percentiles) == percentiles.map { reference.valueAtPercentile($0) })
        #expect(sparse.totalCount == reference.totalCount)
    }
}
