/// Durations for people: `850ns`, `12.3µs`, `30.6ms`, `2.5s`, one decimal at most.
public enum DurationFormatter {
    public static func string(nanoseconds: Int64) -> String {
        let value = Double(nanoseconds)
        func fixed(_ number: Double, _ unit: String) -> String {
            let scaled = (number * 10).rounded() / 10
            return (scaled == scaled.rounded() ? String(Int64(scaled)) : String(scaled)) + unit
        }
        switch nanoseconds {
        case ..<1_000: return "\(nanoseconds)ns"
        case ..<1_000_000: return fixed(value / 1e3, "µs")
        case ..<1_000_000_000: return fixed(value / 1e6, "ms")
        default: return fixed(value / 1e9, "s")
        }
    }
}
