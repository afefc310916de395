import SpanlogCore

/// A line as `top` keeps it: its own copy of the bytes (a line record's bytes may share the
/// buffer of a whole write, which must not stay alive for one line).
public struct HeldLine: Sendable {
    public var timestamp: Int64
    public var pid: Int32
    public var comm: String
    public var stream: LogStream
    public var path: String?
    public var text: [UInt8]
    public var level: LogLevel?
    public var truncated: Bool
    public var span: SpanUID?

    init(_ line: LineRecord) {
        timestamp = line.timestamp
        pid = line.pid
        comm = line.comm
        stream = line.stream
        path = line.path
        text = Array(line.text)
        level = line.level
        truncated = line.truncated
        span = line.span?.uid
    }
}
