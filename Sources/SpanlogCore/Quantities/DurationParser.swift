/// Parses durations written as a number and a unit: `250us`, `500ms`, `2s`, `1m`, `1.5s`.
public enum DurationParser {
    public static func nanoseconds(_ text: String) -> UInt64? {
        let units: [(suffix: String, scale: Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "ms" also ends in "s": make sure the rest is a plain number.
            guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number) else {
                continue
            }
            return UInt64(value * scale)
        }
        return nil
    }
}
