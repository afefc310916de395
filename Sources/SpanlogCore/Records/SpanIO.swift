/// A span's output and I/O. Lines and bytes of its own lines (not its children's) per stream,
/// bytes without line ends; with `--span-io`, the bytes its thread read and wrote through any
/// descriptor and how many such system calls it made between enter and exit (nil without the
/// option, or when another thread exited the span).
public struct SpanIO: Sendable, Equatable {
    public var stdoutLines = 0
    public var stdoutBytes = 0
    public var stderrLines = 0
    public var stderrBytes = 0
    public var fileLines = 0
    public var fileBytes = 0
    public var syscalls: ThreadIO?

    public init() {}

    public var bytesWritten: Int { stdoutBytes + stderrBytes + fileBytes }
}

/// A thread's read and write system calls, as the collector counts them (`--span-io`).
public struct ThreadIO: Sendable, Equatable {
    public var readBytes: UInt64
    public var writtenBytes: UInt64
    public var reads: UInt64
    public var writes: UInt64

    public init(readBytes: UInt64 = 0, writtenBytes: UInt64 = 0, reads: UInt64 = 0, writes: UInt64 = 0) {
        self.readBytes = readBytes
        self.writtenBytes = writtenBytes
        self.reads = reads
        self.writes = writes
    }

    /// What happened between `earlier` and this reading (counters only grow).
    public func since(_ earlier: ThreadIO) -> ThreadIO {
        ThreadIO(readBytes: readBytes &- earlier.readBytes, writtenBytes: writtenBytes &- earlier.writtenBytes,
                 reads: reads &- earlier.reads, writes: writes &- earlier.writes)
    }
}
