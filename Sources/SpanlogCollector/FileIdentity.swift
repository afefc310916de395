#if canImport(Glibc)
import Glibc
#endif

/// A file as the kernel names it: its superblock's device number in the kernel's own encoding
/// (major << 20 | minor, not the one stat() returns) and its inode. Pipes, sockets and terminals
/// have one too, so it says whether two descriptors reach the same place.
public struct FileIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// The file open on `descriptor` in this process.
    public init?(descriptor: Int32) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        self.init(info)
    }

    /// The file behind a path (followed, as for /proc/PID/fd/N).
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    private init(_ info: stat) {
        let device = UInt64(info.st_dev)
        // glibc's encoding: minor in bits 0-7 and 20-39, major in bits 8-19 and 32-…
        let major = ((device >> 8) & 0xFFF) | ((device >> 32) & ~0xFFF)
        let minor = (device & 0xFF) | ((device >> 12) & ~0xFF)
        self.device = (major << 20) | (minor & 0xFFFFF)
        self.inode = UInt64(info.st_ino)
    }
}
