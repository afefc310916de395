/// Finds the container a process runs in from its cgroup paths (`/proc/PID/cgroup`).
public enum ContainerID {
    /// Runtimes name a container's cgroup `<prefix>-<64 hex>.scope` (systemd driver) or use
    /// the bare id as a path component (cgroupfs driver).
    static let scopePrefixes = ["docker-", "cri-containerd-", "crio-", "libpod-", "containerd-"]

    /// The 64-hex-digit container id in the first cgroup line that has one, or nil.
    public static func parse(cgroupFile: String) -> String? {
        for line in cgroupFile.split(separator: "\n") {
            // "hierarchy-id:controllers:path"; the path may itself hold ':'.
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let id = parse(cgroupPath: String(fields[2])) else { continue }
            return id
        }
        return nil
    }

    public static func parse(cgroupPath: String) -> String? {
        for component in cgroupPath.split(separator: "/").reversed() {
            var candidate = Substring(component)
            if candidate.hasSuffix(".scope") { candidate = candidate.dropLast(6) }
            for prefix in scopePrefixes where candidate.hasPrefix(prefix) {
                candidate = candidate.dropFirst(prefix.count)
                break
            }
            if candidate.count == 64, candidate.allSatisfy(\.isHexDigit) { return String(candidate) }
        }
        return nil
    }
}
