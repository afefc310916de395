import ArgumentParser
import SpanlogCore
import SpanlogRules

/// The checks and conversions `--filter` and the summary interval share between `run`, `tail`,
/// `replay` and `summary`.
enum AnalyticsArguments {
    /// The compiled `--filter`, or a usage error that names the position and says what it takes.
    static func filter(_ text: String?) throws -> SpanCondition? {
        guard let text else { return nil }
        do {
            return try RuleSet.compileFilter(text)
        } catch {
            throw ValidationError("\(error)\n--filter selects spans: it takes span.*, proc.* and container.* fields ('spanlog rules fields' lists them).")
        }
    }

    /// A summary interval in nanoseconds, or a usage error naming the option.
    static func interval(_ text: String?, option: String) throws -> Int64? {
        guard let text else { return nil }
        guard let nanoseconds = DurationParser.nanoseconds(text) else {
            throw ValidationError("\(option) '\(text)' is not a duration; write it like 10s or 1m.")
        }
        guard nanoseconds > 0 else { throw ValidationError("\(option) must be longer than 0, for example 10s.") }
        return Int64(clamping: nanoseconds)
    }
}
