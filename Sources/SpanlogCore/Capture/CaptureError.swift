/// Why a capture could not be read, and the byte offset where reading stopped.
public struct CaptureError: Error, Equatable, CustomStringConvertible {
    public var offset: UInt64
    public var reason: String
    /// The file is something else altogether (spanlog's JSON output, text), not a damaged capture.
    public var notACapture = false

    public init(offset: UInt64, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// A file that does not start like a capture, named for what it looks like.
    static func notACapture(startingWith bytes: ArraySlice<UInt8>) -> CaptureError {
        let text = String(decoding: bytes.prefix(64), as: UTF8.self)
        let looksLike: String
        if text.hasPrefix("{\"type\":\"") {
            looksLike = "it is spanlog's JSON output (records, as --format json writes them), not a capture file"
        } else if !bytes.isEmpty, bytes.prefix(256).allSatisfy({ $0 == 0x0A || $0 == 0x09 || $0 == 0x0D || $0 >= 0x20 }) {
            looksLike = "it is text (spanlog's text view, or a log), not a capture file"
        } else if bytes.isEmpty {
            looksLike = "it is empty, not a capture file"
        } else {
            looksLike = "it does not start like one (no spanlog capture header)"
        }
        var error = CaptureError(offset: 0, reason: looksLike)
        error.notACapture = true
        return error
    }

    public var description: String {
        notACapture ? "not a spanlog capture: \(reason)" : "capture is damaged at byte offset \(offset): \(reason)"
    }
}
