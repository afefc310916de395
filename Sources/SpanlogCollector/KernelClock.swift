#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// The clock the kernel stamps events with (CLOCK_MONOTONIC, `bpf_ktime_get_ns`), and its
/// relation to wall-clock time. Needs no collector: an engine can be built first.
public enum KernelClock {
    public static func now() -> UInt64 { MonotonicClock.now() }

    /// CLOCK_REALTIME minus CLOCK_MONOTONIC in nanoseconds: the reading with the smallest
    /// monotonic window around the wall-clock read, of five.
    public static func monotonicToWallOffset() -> Int64 {
        func nanoseconds(_ time: timespec) -> Int64 { Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec) }
        var bestOffset: Int64 = 0, bestWindow = Int64.max
        for _ in 0..<5 {
            var before = timespec(), wall = timespec(), after = timespec()
            clock_gettime(CLOCK_MONOTONIC, &before)
            clock_gettime(CLOCK_REALTIME, &wall)
            clock_gettime(CLOCK_MONOTONIC, &after)
            let window = nanoseconds(after) - nanoseconds(before)
            if window < bestWindow {
                bestWindow = window
                bestOffset = nanoseconds(wall) - (nanoseconds(before) + window / 2)
            }
        }
        return bestOffset
    }
}
