import SpanlogCore

/// What a condition looks at: a span (ended, or open and known so far) and, for line rules,
/// the line. `now` is the time of the check (an open span's duration so far).
public struct RuleSubject: Sendable {
    public var span: SpanRecord
    public var line: LineRecord?

    public init(span: SpanRecord, line: LineRecord? = nil) {
        self.span = span
        self.line = line
    }

    /// The first value of an argument (as JSON span records keep it).
    @inline(__always) static func argument(_ name: String, in args: [(name: String, value: String)]) -> String? {
        for arg in args where arg.name == name { return arg.value }
        return nil
    }
}
