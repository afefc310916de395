import SpanlogCore

/// Formats epoch nanoseconds as RFC 3339 UTC with nanoseconds (`2026-11-28T15:21:09.123456789Z`).
/// Caches the date-and-time part, which changes once a second.
struct TimestampFormatter {
    private var cachedSecond: Int64 = .min
    /// "YYYY-MM-DDTHH:MM:SS" in three words (19 bytes: an Int64 of nanoseconds reaches the
    /// years 1677 to 2262 only), copied with three stores and no array to retain.
    private var cachedWords: (UInt64, UInt64, UInt32) = (0, 0, 0)

    mutating func append(_ nanoseconds: Int64, to buffer: ByteBuffer) {
        let second = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds + 1) / 1_000_000_000 - 1
        // Wrapping: `second * 1e9` may pass Int64.min at the extremes; the difference is exact.
        let fraction = nanoseconds &- second &* 1_000_000_000
        if second != cachedSecond {
            cachedSecond = second
            cachedWords = (Array(Self.dateTime(second).utf8.prefix(19)) + [UInt8](repeating: 0x30, count: 20)).withUnsafeBytes { raw in
                (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                 raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
            }
        }
        let words = cachedWords
        buffer.appendInPlace(maximum: 20) { out in
            let raw = UnsafeMutableRawPointer(out)
            raw.storeBytes(of: words.0, as: UInt64.self)
            raw.storeBytes(of: words.1, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: words.2, toByteOffset: 16, as: UInt32.self)
            return 19
        }
        buffer.append(0x2E)
        buffer.appendNineDigits(UInt64(fraction))
        buffer.append(0x5A)
    }

    /// Civil date from days since the epoch (Howard Hinnant's algorithm).
    static func dateTime(_ epochSecond: Int64) -> String {
        let days = epochSecond >= 0 ? epochSecond / 86_400 : (epochSecond - 86_399) / 86_400
        let secondOfDay = epochSecond - days * 86_400
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
    }
}
