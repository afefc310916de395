import SpanlogCore

/// A line as the views show it, copied out of the model's `LineStore`.
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
}
