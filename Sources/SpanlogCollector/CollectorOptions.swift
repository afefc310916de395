#if canImport(Glibc)
import Glibc
#endif
import CSpanlogBPF
import SpanlogCore

/// What the collector captures and how much room it gets.
public struct CollectorOptions: Sendable {
    /// Regular files whose path matches one of these are captured as logs.
    public var logGlobs: [LogPathGlob] = LogPathGlob.defaults
    public var captureStdout = true
    public var captureStderr = true
    /// Bytes kept per write; larger writes are flagged truncated with their full length.
    public var maxWriteBytes = 16 * 1024
    /// Size of the kernel ring buffer (a power of two, at least a page).
    public var ringBufferBytes = 32 << 20
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
    /// Where the write capture hooks in (`--attach`).
    public var attach = AttachMode.auto

    public init() {}

    /// Command names and cgroups one session may follow.
    public static let maxNamedTargets = Int(SL_MAX_NAMED_TARGETS)
}

/// A failure a user can act on: what failed, why, and what to do.
public struct CollectorError: Error, CustomStringConvertible, Sendable {
    public var what: String
    public var why: String
    public var fix: String

    public init(what: String, why: String, fix: String) {
        self.what = what
        self.why = why
        self.fix = fix
    }

    public var description: String { "\(what): \(why); \(fix)" }

    /// A system call failed with `code`. Running out of descriptors or locked memory is said as
    /// such, with the limit: it is the user's limit, not the kernel, that needs changing.
    static func system(_ what: String, errno code: Int32, otherwise fix: String) -> CollectorError {
        var limit = rlimit()
        switch code {
        case EMFILE, ENFILE:
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            return CollectorError(what: what, why: "too many open files (the limit is \(limit.rlim_cur))",
                                  fix: "raise it, for example: ulimit -n 4096")
        case ENOMEM:
            getrlimit(8, &limit)  // RLIMIT_MEMLOCK, which Glibc does not export to Swift
            let shown = limit.rlim_cur == rlim_t.max ? "unlimited" : "\(limit.rlim_cur) bytes"
            return CollectorError(what: what, why: "not enough memory (the locked-memory limit is \(shown))",
                                  fix: "lower --ring-buffer-size, or raise the limit: ulimit -l unlimited")
        default:
            return CollectorError(what: what, why: String(cString: strerror(code)), fix: fix)
        }
    }
}
