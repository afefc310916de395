/// What a write went to, as classified where it was captured.
public enum WriteTarget: Hashable, Sendable {
    /// The character device 1:3: the write carries tracer markers.
    case devNull
    case stdout
    case stderr
    /// A regular file that matched the log globs, identified by device and inode so a renamed
    /// (rotated) file stays the same stream.
    case file(device: UInt64, inode: UInt64)
}

/// One write system call of a traced thread, with the bytes it really wrote.
public struct WriteEvent: Sendable, Equatable {
    /// CLOCK_MONOTONIC nanoseconds (the kernel's `bpf_ktime_get_ns`).
    public var timestamp: UInt64
    public var pid: Int32
    public var tid: Int32
    public var fd: Int32
    public var target: WriteTarget
    /// The file's path at the time of the write (file targets only).
    public var path: String?
    /// The bytes captured; fewer than `writtenLength` when the write was larger than the
    /// collector's per-write limit.
    public var bytes: ArraySlice<UInt8>
    public var writtenLength: Int

    public init(timestamp: UInt64, pid: Int32, tid: Int32, fd: Int32, target: WriteTarget,
                path: String? = nil, bytes: ArraySlice<UInt8>, writtenLength: Int? = nil) {
        self.timestamp = timestamp
        self.pid = pid
        self.tid = tid
        self.fd = fd
        self.target = target
        self.path = path
        self.bytes = bytes
        self.writtenLength = writtenLength ?? bytes.count
    }

    public var isTruncated: Bool { writtenLength > bytes.count }
}

/// A process that tracing now follows: created by a traced thread, or already running when
/// tracing began (then `creatorTid` may be unknown).
public struct ProcessStart: Sendable, Equatable {
    public var timestamp: UInt64
    public var pid: Int32
    public var parentPid: Int32
    /// The thread that called fork/clone; its spans enclose the new process's lines.
    public var creatorTid: Int32?
    public var comm: String
    /// Container id parsed from the process's cgroup path, if it runs in one.
    public var container: String?

    public init(timestamp: UInt64, pid: Int32, parentPid: Int32, creatorTid: Int32?, comm: String,
                container: String? = nil) {
        self.timestamp = timestamp
        self.pid = pid
        self.parentPid = parentPid
        self.creatorTid = creatorTid
        self.comm = comm
        self.container = container
    }
}

/// Output the capture rules leave out on purpose (docs/collector.md), counted where it was decided: writes
/// to fd 1/2 into a pipe or socket pair the traced tree made (a `$(…)`, the left side of
/// `a | b` inside a script), and into a regular file that is neither a log nor the process's
/// original stdout/stderr (`cat > Makefile`). Counts since the last such event.
public struct SkippedOutput: Sendable, Equatable {
    public var treePipeWrites: UInt64 = 0
    public var treePipeBytes: UInt64 = 0
    public var otherFileWrites: UInt64 = 0
    public var otherFileBytes: UInt64 = 0

    public init(treePipeWrites: UInt64 = 0, treePipeBytes: UInt64 = 0, otherFileWrites: UInt64 = 0,
                otherFileBytes: UInt64 = 0) {
        self.treePipeWrites = treePipeWrites
        self.treePipeBytes = treePipeBytes
        self.otherFileWrites = otherFileWrites
        self.otherFileBytes = otherFileBytes
    }

    public var isEmpty: Bool { treePipeWrites == 0 && otherFileWrites == 0 }
}

/// The engine's input. The collector produces these from the kernel; a capture file stores them,
/// so a replay feeds the engine exactly what the live run fed it.
public enum RawEvent: Sendable, Equatable {
    case write(WriteEvent)
    case processStart(ProcessStart)
    /// The process replaced its program; `comm` is the new command name.
    case exec(timestamp: UInt64, pid: Int32, comm: String)
    /// The process moved to another cgroup and its container is now `container` (nil: none).
    /// Container runtimes fork into their own cgroup and move the child before it execs.
    case containerChanged(timestamp: UInt64, pid: Int32, container: String?)
    /// A thread ended; `processExited` is true for the last thread of its process.
    case exit(timestamp: UInt64, pid: Int32, tid: Int32, processExited: Bool)
    /// The kernel could not hand over `count` events (ring buffer full).
    case lost(timestamp: UInt64, count: UInt64)
    /// Writes the capture rules left out since the last such event.
    case skipped(timestamp: UInt64, SkippedOutput)
    /// `--span-io`: a thread's read/write counters, just before its next marker write.
    case threadIO(timestamp: UInt64, tid: Int32, ThreadIO)
    /// Tracing stopped: partial lines are flushed and still-open spans reported.
    case stop(timestamp: UInt64)

    public var timestamp: UInt64 {
        switch self {
        case .write(let write): write.timestamp
        case .processStart(let start): start.timestamp
        case .exec(let timestamp, _, _), .containerChanged(let timestamp, _, _), .exit(let timestamp, _, _, _),
             .lost(let timestamp, _), .skipped(let timestamp, _), .threadIO(let timestamp, _, _),
             .stop(let timestamp): timestamp
        }
    }
}
