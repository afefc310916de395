import SpanlogCore

/// Collects everything written, for tests and for in-process use.
public final class MemoryOutput: ByteOutput {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer) { self.bytes.append(contentsOf: bytes) }
    public func flush() {}

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
