#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import SpanlogCollector
import SpanlogCore
import SpanlogRuntime

/// Which running processes to follow; shared by tail and record.
struct TargetOptions: ParsableArguments {
    @Option(help: "Follow this process and its descendants (repeatable).")
    var pid: [Int32] = []

    @Option(help: "Follow processes with this command name, running now or started later (repeatable).")
    var comm: [String] = []

    @Option(help: "Follow every process in this cgroup v2 directory, for example /sys/fs/cgroup/system.slice/nginx.service (repeatable).")
    var cgroup: [String] = []

    @Option(help: "Follow the processes of this container, and those that enter it later (its id, or a prefix of 12 to 64 hex digits).")
    var container: String?

    @Flag(help: "Follow every process on the machine except spanlog itself.")
    var all = false

    var selection: TargetSelection {
        var selection = TargetSelection()
        selection.pids = pid
        selection.comms = comm
        selection.cgroups = cgroup
        selection.container = container
        selection.all = all
        return selection
    }

    func validate(allowingCommand hasCommand: Bool) throws {
        if selection.isEmpty && !hasCommand {
            throw ValidationError("Say what to follow: --pid PID, --comm NAME, --cgroup PATH, --container ID or --all.")
        }
        // A user who is not root sees no more through spanlog than through strace: their own
        // processes only.
        if !CallerAccess.callerIsRoot {
            if all || !cgroup.isEmpty || container != nil {
                throw ValidationError("--all, --cgroup and --container follow other users' processes too; only root may use them (sudo spanlog …).")
            }
            for pid in pid where Self.owner(of: pid).map({ $0 != getuid() }) ?? false {
                throw ValidationError("Process \(pid) belongs to another user; you may follow only your own processes.")
            }
        }
        for pid in pid where access("/proc/\(pid)", F_OK) != 0 {
            throw ValidationError("No process with pid \(pid) is running; check it with 'ps -p \(pid)'.")
        }
        for comm in comm where comm.utf8.count > 15 {
            throw ValidationError("--comm '\(comm)' is longer than the kernel's 15-byte command names; use its first 15 bytes.")
        }
        if comm.count > CollectorOptions.maxNamedTargets || cgroup.count > CollectorOptions.maxNamedTargets {
            throw ValidationError("Follow at most \(CollectorOptions.maxNamedTargets) command names and \(CollectorOptions.maxNamedTargets) cgroups.")
        }
        if let container, container.count < 12 || container.count > 64 || !container.allSatisfy({ $0.isASCII && $0.isHexDigit }) {
            throw ValidationError("--container takes a container id of 12 to 64 hex digits, as 'docker ps' shows it.")
        }
    }

    /// The real uid a process runs as, from /proc/PID/status.
    static func owner(of pid: Int32) -> uid_t? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("Uid:") {
            return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { uid_t($0) }
        }
        return nil
    }
}
