/// Why a capture could not be read, and the byte offset where reading stopped.
public struct CaptureError: Error, Equatable, CustomStringConvertible {
    public var offset: UInt64
    public var reason: String

    public var description: String { "capture is damaged at byte offset \(offset): \(reason)" }
}
