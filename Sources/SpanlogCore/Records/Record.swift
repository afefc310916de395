public enum Record: Sendable {
    case line(LineRecord)
    case span(SpanRecord)
    // The rare kinds are boxed: a record is passed by value through every stage, and an alert
    // (a span and a line) made every line and span record twice the size to copy.
    indirect case warning(WarningRecord)
    indirect case stats(StatsRecord)
    indirect case alert(AlertRecord)
    indirect case summary(SummaryRecord)

    /// Tells the case without copying the payload out (records are large; this is per line).
    @inline(__always) var isStats: Bool {
        switch self {
        case .stats: true
        default: false
        }
    }

    @inline(__always) var isLine: Bool {
        switch self {
        case .line: true
        default: false
        }
    }
}
