/// A line whose end has not come yet (a prompt: `input("name? ")`), shown by a terminal view
/// after a short pause as a terminal would show it. Not a record: JSON, journald, rules and
/// summaries see only the whole line, once it ends.
public struct LinePreview: Sendable {
    /// Its first byte's time (wall clock).
    public var timestamp: Int64
    public var pid: Int32
    public var tid: Int32
    public var comm: String
    public var stream: LogStream
    public var path: String?
    /// Every byte of the line so far.
    public var text: ArraySlice<UInt8>
    /// How many of them an earlier preview showed already.
    public var shownBefore: Int
    public var span: SpanSummary?
}
