/// A span's identity: unique within a tracing session, and stable between a live run and the
/// replay of its capture (the session number comes from the capture header).
public struct SpanUID: Hashable, Sendable, CustomStringConvertible {
    public var session: UInt32
    public var sequence: UInt64

    public init(session: UInt32, sequence: UInt64) {
        self.session = session
        self.sequence = sequence
    }

    /// `8-hex-digit session` `-` `hex sequence`, for example `5f3c9a01-1b`.
    public var description: String {
        let sessionHex = String(session, radix: 16)
        return String(repeating: "0", count: 8 - sessionHex.count) + sessionHex + "-" + String(sequence, radix: 16)
    }
}
