#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// What /proc says about a process, read once.
public struct ProcessSnapshot: Sendable {
    public var pid: Int32
    public var parentPid: Int32
    public var comm: String
    public var container: String?
}

/// Small, allocation-light readers for /proc.
enum ProcFS {
    static func readText(_ path: String, limit: Int = 16_384) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // A read that fails (the process exited meanwhile) reads as an empty file.
        return String(decoding: FileDescriptorIO.readAll(fd, limit: limit) ?? [], as: UTF8.self)
    }

    static func comm(of pid: Int32) -> String? {
        readText("/proc/\(pid)/comm").map { String($0.prefix { $0 != "\n" }) }
    }

    /// Parent pid from /proc/PID/stat (the comm field may hold spaces and parentheses).
    static func parentPid(of pid: Int32) -> Int32? {
        guard let stat = readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    static func container(of pid: Int32) -> String? {
        readText("/proc/\(pid)/cgroup").flatMap(ContainerID.parse(cgroupFile:))
    }

    static func snapshot(of pid: Int32) -> ProcessSnapshot? {
        guard let parent = parentPid(of: pid), let comm = comm(of: pid) else { return nil }
        return ProcessSnapshot(pid: pid, parentPid: parent, comm: comm, container: container(of: pid))
    }

    static func allPids() -> [Int32] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var pids: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let pid = Int32(name) { pids.append(pid) }
        }
        return pids.sorted()
    }
}
