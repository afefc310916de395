#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import SpanlogCollector
import SpanlogCore

/// What the collector captures; shared by run, tail and record.
struct CaptureOptions: ParsableArguments {
    @Option(name: .customLong("log-path"),
            help: "Capture writes to regular files matching this glob (repeatable; default '*.log' and '/var/log/**'). '*' stays in one path component, '**' crosses them; a pattern without '/' matches the file name.")
    var logPaths: [String] = []

    @Flag(help: "Do not capture writes to standard output.")
    var noStdout = false

    @Flag(help: "Do not capture writes to standard error.")
    var noStderr = false

    @Option(help: "Bytes kept per write (at most 65536); larger writes are flagged truncated with their full length.")
    var maxWriteBytes = 16 * 1024

    @Option(help: "Size of the kernel ring buffer in bytes (a power of two). Raise it if events are lost.")
    var ringBufferSize = 32 << 20

    @Flag(help: "Print libbpf's diagnostics, including the verifier log when loading fails.")
    var verbose = false

    /// The path older kernels get; the tests use it to check that path on a newer one.
    @Flag(name: .customLong("bpf-fd-table-by-helper"), help: .hidden)
    var fdTableByHelper = false

    func validate() throws {
        guard (1...65_536).contains(maxWriteBytes) else {
            throw ValidationError("--max-write-bytes must be between 1 and 65536.")
        }
        guard ringBufferSize >= 4096, ringBufferSize & (ringBufferSize - 1) == 0 else {
            throw ValidationError("--ring-buffer-size must be a power of two of at least 4096, for example 16777216.")
        }
    }

    func collectorOptions() -> CollectorOptions {
        var options = CollectorOptions()
        if !logPaths.isEmpty { options.logGlobs = logPaths.map(LogPathGlob.init) }
        options.captureStdout = !noStdout
        options.captureStderr = !noStderr
        options.maxWriteBytes = maxWriteBytes
        options.ringBufferBytes = ringBufferSize
        options.verbose = verbose
        options.fdTableByHelper = fdTableByHelper
        return options
    }
}

/// Which running processes to follow; shared by tail and record.
struct TargetOptions: ParsableArguments {
    @Option(help: "Follow this process and its descendants (repeatable).")
    var pid: [Int32] = []

    @Option(help: "Follow processes with this command name, running now or started later.")
    var comm: String?

    @Option(help: "Follow every process in this cgroup v2 directory, for example /sys/fs/cgroup/system.slice/nginx.service.")
    var cgroup: String?

    @Option(help: "Follow the processes of this container, and those that enter it later (its id, or a prefix of 12 to 64 hex digits).")
    var container: String?

    @Flag(help: "Follow every process on the machine except spanlog itself.")
    var all = false

    var isEmpty: Bool { pid.isEmpty && comm == nil && cgroup == nil && container == nil && !all }

    var summary: String {
        if all { return "every process" }
        var parts = pid.map { "pid \($0) and its descendants" }
        if let comm { parts.append("processes named \(comm)") }
        if let cgroup { parts.append("cgroup \(cgroup)") }
        if let container { parts.append("container \(container)") }
        return parts.joined(separator: ", ")
    }

    func validate(allowingCommand hasCommand: Bool) throws {
        if isEmpty && !hasCommand {
            throw ValidationError("Say what to follow: --pid PID, --comm NAME, --cgroup PATH, --container ID or --all.")
        }
        for pid in pid where access("/proc/\(pid)", F_OK) != 0 {
            throw ValidationError("No process with pid \(pid) is running; check it with 'ps -p \(pid)'.")
        }
        if let comm, comm.utf8.count > 15 {
            throw ValidationError("--comm '\(comm)' is longer than the kernel's 15-byte command names; use its first 15 bytes.")
        }
        if let container, container.count < 12 || container.count > 64 || !container.allSatisfy({ $0.isASCII && $0.isHexDigit }) {
            throw ValidationError("--container takes a container id of 12 to 64 hex digits, as 'docker ps' shows it.")
        }
    }

    func apply(to options: inout CollectorOptions) throws {
        options.traceAll = all
        options.targetComm = comm
        options.targetContainer = container
        if let cgroup {
            guard let id = cgroupID(cgroup) else {
                throw ValidationError("--cgroup '\(cgroup)' is not a cgroup v2 directory (look under /sys/fs/cgroup or /sys/fs/cgroup/unified).")
            }
            options.targetCgroupID = id
        }
    }

    /// Registers the processes that run already.
    func traceRunning(_ collector: Collector) {
        for pid in pid { collector.trace(pid: pid) }
        if let comm { collector.trace { $0.comm == comm } }
        if let container { collector.trace { $0.container?.hasPrefix(container.lowercased()) == true } }
    }
}
