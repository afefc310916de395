import SpanlogCore

/// What a condition looks at: a span (ended, or open and known so far) and, for line rules,
/// the line. `now` is the time of the check (an open span's duration so far).
public struct RuleSubject: Sendable {
    public var span: SpanRecord
    /// `span.tags`, joined once per subject rather than once per rule that reads it.
    public let tagPath: String
    /// The line's fields, flat: reading one through an optional record copied all of it.
    private(set) var hasLine = false
    private(set) var lineText: ArraySlice<UInt8> = []
    private(set) var lineLevel: LogLevel?
    private(set) var lineStream = LogStream.stdout
    private(set) var linePath: String?

    public init(span: SpanRecord, line: LineRecord? = nil) {
        self.span = span
        tagPath = span.summary.tagPath
        if let line { setLine(line) }
    }

    mutating func setLine(_ line: LineRecord) {
        hasLine = true
        lineText = line.text
        lineLevel = line.level
        lineStream = line.stream
        linePath = line.path
    }

    /// The first value of an argument (as JSON span records keep it).
    @inline(__always) static func argument(_ name: String, in args: MarkerArgs) -> String? {
        args.value(named: name)
    }
}
