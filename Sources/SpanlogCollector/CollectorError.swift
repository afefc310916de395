#if canImport(Glibc)
import Glibc
#endif

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
