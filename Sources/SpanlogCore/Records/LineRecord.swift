public enum LogStream: String, Sendable {
    case stdout, stderr, file
}

public struct LineRecord: Sendable {
    /// Wall-clock nanoseconds since the Unix epoch, UTC.
    public var timestamp: Int64
    public var pid: Int32
    public var tid: Int32
    public var comm: String
    public var stream: LogStream
    public var path: String?
    /// The line without its `\n` (or `\r\n`); bytes are kept as written, UTF-8 or not.
    public var text: ArraySlice<UInt8>
    public var level: LogLevel?
    public var truncated: Bool
    public var span: SpanSummary?
    /// The container the writer runs in, when spanlog knows one (OTLP's `container.id`).
    public var container: String? = nil

    public var textString: String { String(decoding: text, as: UTF8.self) }
}
