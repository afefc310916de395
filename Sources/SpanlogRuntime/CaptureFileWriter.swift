#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// Appends raw events to a capture file in the documented format (docs/capture-format.md),
/// in chunks of about a megabyte.
final class CaptureFileWriter {
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var bytesWritten = 0
    private(set) var events = 0
    private(set) var lostEvents: UInt64 = 0
    /// The first write error; later events are still counted but not written.
    private(set) var failure: String?

    init(path: String, header: CaptureHeader) throws(SessionError) {
        if let refusal = CallerAccess.refusalToWrite(path) {
            throw SessionError(.io, what: "cannot create capture file \(path)", why: refusal)
        }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SessionError(.io, what: "cannot create capture file \(path)", why: String(cString: strerror(errno)),
                               fix: "check that the directory exists and is writable")
        }
        self.path = path
        buffer = CaptureEncoder.encode(header)
        flush()
    }

    func write(_ event: RawEvent) {
        CaptureEncoder.encode(event, into: &buffer)
        events += 1
        if case .lost(_, let count) = event { lostEvents += count }
        if buffer.count >= 1 << 20 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        if failure == nil {
            if let failed = buffer.withUnsafeBytes({ FileDescriptorIO.writeAll(fd, $0) }) {
                failure = String(cString: strerror(failed.code))
            } else {
                bytesWritten += buffer.count
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Ends the capture with its end record (a clean stop) and closes it.
    func close() {
        CaptureEncoder.encodeEnd(events: events, lostEvents: lostEvents, into: &buffer)
        flush()
        Glibc.close(fd)
    }
}
