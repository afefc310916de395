#if canImport(Glibc)
import Glibc
#endif
import SpanlogCollector

/// Which running processes a session follows (tail, record, the service).
public struct TargetSelection: Sendable, Equatable {
    /// These processes and their descendants.
    public var pids: [Int32] = []
    /// Processes with this command name, running now or started later.
    public var comm: String?
    /// Every process in this cgroup v2 directory.
    public var cgroup: String?
    /// The processes of this container (an id or a prefix of 12 to 64 hex digits), now or later.
    public var container: String?
    /// Every process on the machine but spanlog itself.
    public var all = false

    public init() {}

    public var isEmpty: Bool { pids.isEmpty && comm == nil && cgroup == nil && container == nil && !all }

    /// In words, for the "capturing …" notice.
    public var summary: String {
        if all { return "every process" }
        var parts = pids.map { "pid \($0) and its descendants" }
        if let comm { parts.append("processes named \(comm)") }
        if let cgroup { parts.append("cgroup \(cgroup)") }
        if let container { parts.append("container \(container)") }
        return parts.joined(separator: ", ")
    }

    /// What the kernel program must match by itself (processes that start later).
    func apply(to options: inout CollectorOptions) throws(SessionError) {
        options.traceAll = all
        options.targetComm = comm
        options.targetContainer = container
        if let cgroup {
            var info = stat()
            guard stat(cgroup, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw SessionError(.usage, what: "cgroup '\(cgroup)' is not a cgroup v2 directory",
                                   why: "it does not exist or is not a directory",
                                   fix: "look under /sys/fs/cgroup or /sys/fs/cgroup/unified")
            }
            // A cgroup v2 id is the inode number of its directory.
            options.targetCgroupID = UInt64(info.st_ino)
        }
    }

    /// Registers the processes that run already.
    func traceRunning(_ collector: Collector) {
        for pid in pids { collector.trace(pid: pid) }
        if let comm { collector.trace { $0.comm == comm } }
        if let container { collector.trace { $0.container?.hasPrefix(container.lowercased()) == true } }
    }
}
