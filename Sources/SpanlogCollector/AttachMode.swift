/// Where the collector's write capture hooks into the kernel.
public enum AttachMode: String, Sendable, CaseIterable {
    /// fexit where the kernel allows it, else the tracepoint.
    case auto
    /// fexit programs on the write family's system call functions only: other system calls
    /// of other processes pay nothing. Refused under lockdown and on kernels without BPF
    /// trampolines.
    case fexit
    /// The raw `sys_exit` tracepoint: every system call of every process passes one test.
    case tracepoint
}

/// How the loaded program ended up attached and built, for `--verbose` and the stats record.
public struct KernelProgramSummary: Sendable, Equatable {
    /// `fexit` or `tracepoint`.
    public var attach: String
    /// Why the tracepoint is used when fexit was possible to ask for (nil when fexit is used or
    /// the tracepoint was asked for).
    public var attachFallbackReason: String?
    /// `kfuncs` or `probe-reads` (docs/collector.md, "Kernels").
    public var build: String
    /// `direct` or `helper`: how the descriptor table is read.
    public var descriptorTable: String
    /// The system call functions fexit programs are attached to.
    public var fexitFunctions: [String]

    /// The fields the stats record carries, in order.
    public var fields: [(name: String, value: String)] {
        [("attach", attach), ("build", build), ("fd_table", descriptorTable)]
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.attach == rhs.attach && lhs.attachFallbackReason == rhs.attachFallbackReason && lhs.build == rhs.build
            && lhs.descriptorTable == rhs.descriptorTable && lhs.fexitFunctions == rhs.fexitFunctions
    }
}
