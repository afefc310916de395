/// How the loader can load the collector's BPF object on a given kernel (docs/collector.md,
/// "Kernels").

/// The two builds of bpf/spanlog.bpf.c in the binary.
enum ProgramBuild: String {
    /// Direct loads through bpf_rdonly_cast (Linux 6.2+).
    case kfuncs
    /// No kfunc: bpf_probe_read_kernel instead (any kernel spanlog supports).
    case probeReads = "probe-reads"

    /// The kfuncs the kfuncs build calls: it is used only on a kernel that has them all
    /// (BPFObjectLimitTests holds the object to this list).
    static let kfuncsChecked: Set<String> = ["bpf_rdonly_cast"]
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
        var plans = [LoadPlan(build: build, fexit: fexit, fdTableByHelper: options.fdTableByHelper || build == .probeReads)]
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
