/// How the loader can load the collector's BPF object on a given kernel (docs/collector.md,
/// "Kernels").

/// The three builds of bpf/spanlog.bpf.c in the binary.
enum ProgramBuild: String, CaseIterable {
    /// Direct loads through bpf_rdonly_cast (Linux 6.2+).
    case kfuncs
    /// No kfunc: bpf_probe_read_kernel instead, with bpf_loop, bpf_strncmp and
    /// bpf_get_current_task_btf (Linux 5.17+, and kernels that have them backported).
    case probeReads = "probe-reads"
    /// Nothing newer than Linux 5.10: bounded loops instead of bpf_loop, a byte loop instead of
    /// bpf_strncmp, the current task read through bpf_probe_read_kernel, no global functions.
    case boundedLoops = "bounded-loops"

    /// The kfuncs the kfuncs build calls: it is used only on a kernel that has them all
    /// (BPFObjectLimitTests holds the object to this list).
    static let kfuncsChecked: Set<String> = ["bpf_rdonly_cast"]

    /// The helpers the kfuncs and probe-reads builds call that Linux 5.10 lacks, by name and
    /// number (include/uapi/linux/bpf.h): a kernel without one of them gets the bounded-loops
    /// build. BPFObjectLimitTests holds the bounded-loops build to helpers below the first.
    static let newerHelpers: [(name: String, number: Int32)] = [
        ("bpf_get_current_task_btf", 158), ("bpf_loop", 181), ("bpf_strncmp", 182),
    ]

    /// The build for a kernel with these kfuncs and helpers (or none, when asked for less),
    /// and the ones to fall back to, in order, should the kernel refuse it anyway.
    static func inOrder(hasKfuncs: Bool, missingHelpers: [String], withoutKfuncs: Bool, boundedLoops: Bool)
        -> [ProgramBuild]
    {
        if boundedLoops || !missingHelpers.isEmpty { return [.boundedLoops] }
        if withoutKfuncs || !hasKfuncs { return [.probeReads, .boundedLoops] }
        return [.kfuncs, .probeReads, .boundedLoops]
    }
}

/// One way to load the program.
struct LoadPlan: CustomStringConvertible {
    var build: ProgramBuild
    /// nil: the tracepoint.
    var fexit: FexitTargets?
    var fdTableByHelper: Bool

    /// The ways to try, most capable first. The direct descriptor-table load is refused before
    /// 6.17, and then the helper call is used; a program the kernel refuses as fexit is tried
    /// on the tracepoint, unless the user asked for fexit.
    static func inOrder(build: ProgramBuild, fexit: FexitTargets?, options: CollectorOptions) -> [LoadPlan] {
        var plans = [LoadPlan(build: build, fexit: fexit, fdTableByHelper: options.fdTableByHelper || build != .kfuncs)]
        if !plans[0].fdTableByHelper { plans.append(LoadPlan(build: build, fexit: fexit, fdTableByHelper: true)) }
        if fexit != nil, options.attach == .auto {
            plans.append(LoadPlan(build: build, fexit: nil, fdTableByHelper: plans[plans.count - 1].fdTableByHelper))
        }
        return plans
    }

    var description: String {
        "\(build.rawValue) build, \(fexit == nil ? "tracepoint" : "fexit"), descriptor table by \(fdTableByHelper ? "helper" : "direct load")"
    }
}
