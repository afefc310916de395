/// Byte counts for people: `850B`, `12.3KiB`, `4MiB`, one decimal at most.
public enum ByteCountFormatter {
    public static func string(bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = bytes, unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let scaled = unit == 0 ? value.rounded() : (value * 10).rounded() / 10
        return (scaled == scaled.rounded() ? String(Int64(scaled)) : String(scaled)) + units[unit]
    }
}
