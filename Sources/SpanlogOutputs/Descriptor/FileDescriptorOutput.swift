#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// Writes rendered bytes to a file descriptor, retrying short writes. A failure is recorded in
/// the output's health and never stops the caller: a reader that closed the pipe makes the
/// output gone; any other error loses that write and later writes are tried again.
public final class FileDescriptorOutput: ByteOutput {
    public let fd: Int32
    public let health: OutputHealth
    private let ownsDescriptor: Bool

    public init(fd: Int32, health: OutputHealth = OutputHealth(), ownsDescriptor: Bool = false) {
        self.fd = fd
        self.health = health
        self.ownsDescriptor = ownsDescriptor
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard !health.isGone, let failed = FileDescriptorIO.writeAll(fd, bytes) else { return }
        health.record(failed.code == EPIPE ? .closed : .writeFailed(String(cString: strerror(failed.code))),
                      lostBytes: failed.unwritten)
    }

    public func flush() {}

    public var isTerminal: Bool { isatty(fd) == 1 }
}
