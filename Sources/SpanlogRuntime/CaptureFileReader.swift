#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// Reads a capture file (or standard input) in chunks of a megabyte and hands over its events
/// in order; damage is reported where it starts, after everything before it. A value (not a
/// class) so that the per-event call needs no runtime exclusivity check.
struct CaptureFileReader: ~Copyable {
    let path: String
    private let fd: Int32
    private var decoder = CaptureDecoder()
    private var chunk = [UInt8](repeating: 0, count: 1 << 20)

    init(path: String) throws(SessionError) {
        fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SessionError(.io, what: "cannot open \(path)", why: String(cString: strerror(errno)))
        }
        self.path = path
    }

    deinit {
        if fd != STDIN_FILENO { close(fd) }
    }

    /// The header, once read.
    var header: CaptureHeader? { decoder.header }

    /// Reads the next chunk; false at the end of the file.
    mutating func readChunk() throws(SessionError) -> Bool {
        let count = chunk.withUnsafeMutableBytes { FileDescriptorIO.read(fd, into: $0) }
        if count < 0 {
            throw SessionError(.io, what: "reading \(path) failed", why: String(cString: strerror(errno)))
        }
        if count == 0 { return false }
        decoder.append(chunk[..<count])
        return true
    }

    /// The next whole event of the chunks read so far, or nil when more must be read.
    @inline(__always) mutating func nextEvent() throws(CaptureError) -> RawEvent? {
        try decoder.next()
    }

    /// At the end of the file: throws if it ends inside an event or lacks its header.
    mutating func finish() throws(CaptureError) {
        try decoder.finish()
    }
}
