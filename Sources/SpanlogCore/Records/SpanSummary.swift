/// The part of a span that a line record carries.
public struct SpanSummary: Sendable {
    public var uid: SpanUID
    public var id: Int64
    public var tags: [String]
    /// The enclosing span at enter time; and the enter args, for outputs that annotate each
    /// line with them (journald). JSON line records show only uid, id and tags.
    public var parent: SpanUID?
    public var enterArgs: MarkerArgs
    /// Its trace, span and parent span ids (OTLP, `traceparent`).
    public var trace: TraceContext

    public init(uid: SpanUID, id: Int64, tags: [String], parent: SpanUID? = nil, enterArgs: MarkerArgs = [],
                trace: TraceContext = .none) {
        self.uid = uid
        self.id = id
        self.tags = tags
        self.parent = parent
        self.enterArgs = enterArgs
        self.trace = trace
    }

    /// Tags joined with `.`, as written in the marker.
    public var tagPath: String { tags.joined(separator: ".") }
    /// The tag path, or `(untagged)` for a span without tags: how views and messages name it.
    public var displayName: String { tags.isEmpty ? Self.untaggedName : tagPath }
    public static let untaggedName = "(untagged)"
}
