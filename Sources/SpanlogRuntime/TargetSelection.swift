#if canImport(Glibc)
import Glibc
#endif
import SpanlogCollector
import SpanlogCore

/// Which running processes a session follows (tail, record, the service).
public struct TargetSelection: Sendable, Equatable {
    /// These processes and their descendants.
    public var pids: [Int32] = []
    /// Processes with one of these command names, running now or started later.
    public var comms: [String] = []
    /// Every process in these cgroup v2 directories.
    public var cgroups: [String] = []
    /// The processes of this container (an id or a prefix of 12 to 64 hex digits), now or later.
    public var container: String?
    /// Every process on the machine but spanlog itself.
    public var all = false

    public init() {}

    public var isEmpty: Bool { pids.isEmpty && comms.isEmpty && cgroups.isEmpty && container == nil && !all }

    /// In words, for the "capturing …" notice.
    public var summary: String {
        if all { return "every process" }
        var parts = pids.map { "pid \($0) and its descendants" }
        if !comms.isEmpty { parts.append("processes named \(comms.joined(separator: ", "))") }
        parts += cgroups.map { "cgroup \($0)" }
        if let container { parts.append("container \(container)") }
        return parts.joined(separator: ", ")
    }

    /// What the kernel program must match by itself (processes that start later).
    func apply(to options: inout CollectorOptions) throws(SessionError) {
        options.traceAll = all
        options.targetComms = comms
        options.targetContainer = container
        options.targetCgroupIDs = []
        for cgroup in cgroups {
            var info = stat()
            guard stat(cgroup, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw SessionError(.usage, what: "cgroup '\(cgroup)' is not a cgroup v2 directory",
                                   why: "it does not exist or is not a directory",
                                   fix: "look under /sys/fs/cgroup or /sys/fs/cgroup/unified")
            }
            // A cgroup v2 id is the inode number of its directory.
            options.targetCgroupIDs.append(UInt64(info.st_ino))
        }
    }

    /// Registers the processes that run already.
    func traceRunning(_ collector: Collector) {
        for pid in pids { collector.trace(pid: pid) }
        if !comms.isEmpty { collector.trace { comms.contains($0.comm) } }
        if let container { collector.trace { $0.container?.hasPrefix(container.lowercased()) == true } }
    }

    /// For each command name no running process has: that spanlog waits for one, and the
    /// running name it most likely meant (a slip of a letter or two), so a typo does not wait
    /// in silence.
    func namesNotRunning(among running: Set<String>) -> [String] {
        comms.filter { !running.contains($0) }.map { name in
            var notice = "no process named \(name) runs now; spanlog waits for one to start"
            if let close = EditDistance.closest(to: name, among: running) {
                notice += " (did you mean --comm \(close)?)"
            }
            return notice
        }
    }
}
