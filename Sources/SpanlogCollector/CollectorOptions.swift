#if canImport(Glibc)
import Glibc
#endif
import CSpanlogBPF
import SpanlogCore

/// What the collector captures and how much room it gets.
public struct CollectorOptions: Sendable {
    /// The defaults of `--max-write-bytes` and `--ring-buffer-size` (and of the service's keys).
    public static let defaultMaxWriteBytes = 16 * 1024
    public static let defaultRingBufferBytes = 32 << 20
    /// The most bytes of one write the kernel program can copy.
    public static let maxWriteBytesLimit = Int(SL_MAX_PAYLOAD_LIMIT)

    /// Regular files whose path matches one of these are captured as logs.
    public var logGlobs: [LogPathGlob] = LogPathGlob.defaults
    public var captureStdout = true
    public var captureStderr = true
    /// Bytes kept per write; larger writes are flagged truncated with their full length.
    public var maxWriteBytes = defaultMaxWriteBytes
    /// Size of the kernel ring buffer (a power of two, at least a page).
    public var ringBufferBytes = defaultRingBufferBytes
    /// Every process on the machine but spanlog itself.
    public var traceAll = false
    /// Every process in these cgroups (v2 ids, the inode numbers of their directories).
    public var targetCgroupIDs: [UInt64] = []
    /// Processes that exec a program with one of these command names (at most 15 bytes each)
    /// from now on.
    public var targetComms: [String] = []
    /// Processes that exec a program inside this container (an id or a prefix of one, hex)
    /// from now on.
    public var targetContainer: String?
    /// Print libbpf's own diagnostics (verifier logs) to stderr.
    public var verbose = false
    /// Count each traced thread's read and write system calls, for span I/O (`--span-io`).
    public var spanIO = false
    /// Read descriptor tables with a helper call, as spanlog does by itself on kernels before
    /// 6.17 (which refuse the direct load).
    public var fdTableByHelper = false
    /// Load the build without kfuncs, as spanlog does by itself on kernels that lack
    /// bpf_rdonly_cast (before 6.2).
    public var withoutKfuncs = false
    /// Load the build for kernels without bpf_loop, bpf_strncmp and bpf_get_current_task_btf,
    /// as spanlog does by itself on those (Linux 5.10).
    public var boundedLoops = false
    /// Where the write capture hooks in (`--attach`).
    public var attach = AttachMode.auto

    public init() {}

    /// Command names and cgroups one session may follow.
    public static let maxNamedTargets = Int(SL_MAX_NAMED_TARGETS)
}
