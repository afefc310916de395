#if canImport(Glibc)
import Glibc
#endif
import CSpanlogBPF

/// Checks, before loading anything, that this process and kernel can run the collector, so
/// the user gets one line saying what is missing instead of a libbpf error.
public enum Preflight {
    /// The one statement of what the loader needs, used by every message that depends on it
    /// (the README and docs/collector.md say the same): the oldest kernel the kernel matrix
    /// (scripts/kernel-matrix.sh) passes, and BTF. What else a kernel has or lacks (kfuncs,
    /// fexit, private stacks) only changes which way the program is loaded.
    public static let kernelRequirement = "Linux 5.10 or newer built with BTF (CONFIG_DEBUG_INFO_BTF=y)"

    public static func check() throws(CollectorError) {
        try checkPrivileges()
        guard access("/sys/kernel/btf/vmlinux", R_OK) == 0 else {
            throw CollectorError(
                what: "kernel BTF is missing",
                why: "/sys/kernel/btf/vmlinux does not exist (kernel \(KernelFacts.current().release))",
                fix: "spanlog needs \(kernelRequirement); most distributions' kernels have it")
        }
        // The one feature below the floor that BTF does not imply: asked of the kernel, not
        // read from its version.
        if sl_kernel_has_ring_buffer() == 0 {
            throw CollectorError(
                what: "the kernel has no BPF ring buffer",
                why: "BPF_MAP_TYPE_RINGBUF is unknown to kernel \(KernelFacts.current().release) (it came in Linux 5.8)",
                fix: "spanlog needs \(kernelRequirement)")
        }
    }

    static func checkPrivileges() throws(CollectorError) {
        if geteuid() == 0 { return }
        let effective = effectiveCapabilities()
        let bpf: UInt64 = 1 << 39, perfmon: UInt64 = 1 << 38, sysAdmin: UInt64 = 1 << 21
        if effective & sysAdmin != 0 || (effective & bpf != 0 && effective & perfmon != 0) { return }
        // Not file capabilities on the binary: they would let every local user read every
        // process's output through it.
        throw CollectorError(
            what: "not allowed to load BPF programs",
            why: "spanlog runs as uid \(geteuid()) without CAP_BPF and CAP_PERFMON",
            fix: "run it with sudo")
    }

    static func effectiveCapabilities() -> UInt64 {
        guard let status = ProcFS.readText("/proc/self/status") else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            return UInt64(line.dropFirst(7).trimmingCharacters(in: " \t"), radix: 16) ?? 0
        }
        return 0
    }
}

extension Substring {
    func trimmingCharacters(in characters: String) -> Substring {
        var result = self
        while let first = result.first, characters.contains(first) { result = result.dropFirst() }
        while let last = result.last, characters.contains(last) { result = result.dropLast() }
        return result
    }
}
