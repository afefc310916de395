#if canImport(Glibc)
import Glibc
#endif

/// Reads and writes that finish what they start: a signal arriving mid-call (EINTR) retries it,
/// and a short write goes on from where it stopped. Every loop over `read` and `write` in
/// spanlog goes through here.
public enum FileDescriptorIO {
    /// Why `writeAll` stopped early.
    public struct WriteFailure: Error, Sendable {
        /// The errno of the failed write (EIO when the descriptor took nothing without one).
        public var code: Int32
        /// Bytes not written.
        public var unwritten: Int
    }

    /// Writes all of `bytes`, or says why it could not.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> WriteFailure? {
        guard var pointer = bytes.baseAddress else { return nil }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(fd, pointer, remaining)
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return WriteFailure(code: written < 0 ? errno : EIO, unwritten: remaining) }
            pointer += written
            remaining -= written
        }
        return nil
    }

    /// One read into `buffer`: the count read (0 at the end), or -1 with `errno` set.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            return count
        }
    }

    /// Everything `fd` holds until its end, at most `limit` bytes; nil when a read fails.
    public static func readAll(_ fd: Int32, limit: Int = .max) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(limit, 65_536))
        while bytes.count < limit {
            let room = min(chunk.count, limit - bytes.count)
            let count = chunk.withUnsafeMutableBytes { read(fd, into: UnsafeMutableRawBufferPointer(rebasing: $0[..<room])) }
            if count < 0 { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes
    }
}
