import SpanlogTestSupport
@testable import SpanlogCollector
import Testing

/// The one line a refused load becomes, from libbpf's log as the kernels of the matrix write it.
struct LoadFailureTests {
    static let kernel = KernelFacts(release: "6.12.118+deb12-cloud-amd64", hasBTF: true, lockdown: "none")

    static func verifierLog(_ lines: String...) -> String {
        (["libbpf: prog 'on_sys_exit': BPF program load failed: Permission denied",
          "libbpf: prog 'on_sys_exit': -- BEGIN PROG LOAD LOG --"] + lines
            + ["processed 31158 insns (limit 1000000) max_states_per_insn 4 total_states 2000 peak_states 800 mark_read 90",
               "-- END PROG LOAD LOG --",
               "libbpf: prog 'on_sys_exit': failed to load: -13"]).joined(separator: "\n")
    }

    @Test func theStackLimitIsNamedWithTheSizeAndTheKernel() {
        let error = LoadFailure.explain(status: -13, log: Self.verifierLog("combined stack size of 2 calls is 688. Too large"),
                                        kernel: Self.kernel)
        #expect(error.why == "the kernel allows 512 bytes of BPF stack along a call chain and one of spanlog's takes 688 (kernel 6.12.118+deb12-cloud-amd64, BTF present, lockdown none)")
        #expect(error.fix.hasPrefix("this is spanlog's to fix"))
        #expect(!error.description.contains("6.2"), "no version requirement a newer kernel already meets")
        #expect(error.what == "loading the BPF program into the kernel failed (at its program on_sys_exit)")
    }

    @Test func aMissingKfuncIsNamed() {
        let log = "libbpf: extern (func ksym) 'bpf_rdonly_cast': not found in kernel or module BTFs\nlibbpf: failed to load object 'spanlog_bpf'"
        let error = LoadFailure.explain(status: -22, log: log, kernel: Self.kernel)
        #expect(error.why.hasPrefix("the kernel has no bpf_rdonly_cast, which this build of the program needs"))
        #expect(error.fix.hasPrefix("this is spanlog's to fix"))
    }

    @Test func theComplexityLimitIsNamed() {
        let log = Self.verifierLog("BPF program is too large. Processed 1000001 insn")
        #expect(LoadFailure.explain(status: -7, log: log, kernel: Self.kernel).why
            == "the program passed the verifier's complexity limit (kernel 6.12.118+deb12-cloud-amd64, BTF present, lockdown none)")
    }

    @Test func aMissingHelperSaysHowOldAKernelIsNeeded() {
        let log = Self.verifierLog("0: (85) call bpf_loop#181", "unknown func bpf_loop#181")
        let error = LoadFailure.explain(status: -22, log: log, kernel: Self.kernel)
        #expect(error.why.hasPrefix("the kernel has no BPF helper bpf_loop"))
        #expect(error.fix.hasPrefix("spanlog needs Linux 5.10 or newer"))
    }

    @Test func anyOtherVerdictIsQuotedFromTheVerifiersLastLine() {
        let log = Self.verifierLog("R1 invalid mem access 'scalar'")
        let error = LoadFailure.explain(status: -13, log: log, kernel: Self.kernel)
        #expect(error.why.hasPrefix("the verifier refused it: R1 invalid mem access 'scalar' (kernel 6.12"))
    }

    @Test func permissionDeniedWithoutAVerdictTellsLockdownFromPrivileges() {
        var lockedDown = Self.kernel
        lockedDown.lockdown = "confidentiality"
        #expect(LoadFailure.explain(status: -1, log: "", kernel: lockedDown).why.hasPrefix("the kernel is locked down (lockdown confidentiality)"))
        let open = LoadFailure.explain(status: -1, log: "", kernel: Self.kernel)
        #expect(open.fix.hasPrefix("run spanlog as root"))
    }

    @Test func lockdownIsReadFromTheBracketedWord() {
        #expect(KernelFacts.activeLockdown("none [integrity] confidentiality\n") == "integrity")
        #expect(KernelFacts.activeLockdown("garbage") == nil)
    }

    /// The fexit targets: every call resolves to its first candidate the kernel has, and a
    /// missing one (a write spanlog would not see) makes fexit unusable, naming the call.
    @Test func fexitTargetsResolveByCandidateOrNameTheMissingCall() throws {
        let calls = FexitTargets.writes64 + FexitTargets.writes32 + FexitTargets.pipes64 + FexitTargets.pipes32
        let newer: Set<String> = Set(calls.map { $0.candidates[0] })
        let targets = try FexitTargets.resolve(spanIO: false, kernelHas: newer.contains).get()
        #expect(targets.captured.count == FexitTargets.captureSlots && targets.pipes.count == FexitTargets.pipeSlots)
        var older = newer
        older.remove("__ia32_sys_ia32_pwrite64")
        older.insert("__ia32_compat_sys_ia32_pwrite64")
        #expect(try FexitTargets.resolve(spanIO: false, kernelHas: older.contains).get().captured
            .contains("__ia32_compat_sys_ia32_pwrite64"))
        older.remove("__x64_sys_pwritev2")
        guard case .failure(let missing) = FexitTargets.resolve(spanIO: false, kernelHas: older.contains) else {
            Issue.record("a kernel without __x64_sys_pwritev2 cannot use fexit")
            return
        }
        #expect(missing.description == "the kernel has no __x64_sys_pwritev2 to attach to (the pwritev2 system call)")
        let io = FexitTargets.io64 + FexitTargets.io32
        #expect(io.count <= FexitTargets.ioSlots)
        let without32 = newer.filter { !$0.hasPrefix("__ia32") }
        #expect(try FexitTargets.resolve(spanIO: false, kernelHas: without32.contains).get().captured.count == 5)
    }
}

/// The order the loader tries the ways to load: most capable first, the tracepoint last, and
/// never a way the user ruled out.
struct LoadPlanTests {
    static let fexit = FexitTargets(captured: ["__x64_sys_write"], pipes: [], io: [])

    @Test func autoTriesDirectThenHelperOnFexitThenTheTracepoint() {
        let plans = LoadPlan.inOrder(build: .kfuncs, fexit: Self.fexit, options: CollectorOptions())
        #expect(plans.map(\.description) == ["kfuncs build, fexit, descriptor table by direct load",
                                             "kfuncs build, fexit, descriptor table by helper",
                                             "kfuncs build, tracepoint, descriptor table by helper"])
    }

    @Test func askingForFexitNeverFallsBackToTheTracepoint() {
        var options = CollectorOptions()
        options.attach = .fexit
        #expect(LoadPlan.inOrder(build: .kfuncs, fexit: Self.fexit, options: options).allSatisfy { $0.fexit != nil })
    }

    @Test func theBuildWithoutKfuncsAlwaysReadsTheTableByHelper() {
        let plans = LoadPlan.inOrder(build: .probeReads, fexit: nil, options: CollectorOptions())
        #expect(plans.map(\.description) == ["probe-reads build, tracepoint, descriptor table by helper"])
    }

    /// The build follows what the kernel has: a missing newer helper means bounded-loops and
    /// nothing else; a missing kfunc means probe-reads, then bounded-loops should it be refused.
    @Test func theBuildIsChosenByTheKernelsHelpersAndKfuncs() {
        #expect(ProgramBuild.inOrder(hasKfuncs: true, missingHelpers: [], withoutKfuncs: false, boundedLoops: false)
            == [.kfuncs, .probeReads, .boundedLoops])
        #expect(ProgramBuild.inOrder(hasKfuncs: false, missingHelpers: [], withoutKfuncs: false, boundedLoops: false)
            == [.probeReads, .boundedLoops])
        #expect(ProgramBuild.inOrder(hasKfuncs: true, missingHelpers: ["bpf_loop"], withoutKfuncs: false,
                                     boundedLoops: false) == [.boundedLoops])
        #expect(ProgramBuild.inOrder(hasKfuncs: true, missingHelpers: [], withoutKfuncs: true, boundedLoops: false)
            == [.probeReads, .boundedLoops])
        #expect(ProgramBuild.inOrder(hasKfuncs: true, missingHelpers: [], withoutKfuncs: false, boundedLoops: true)
            == [.boundedLoops])
    }

    @Test func theBoundedLoopsBuildReadsTheTableByHelper() {
        let plans = LoadPlan.inOrder(build: .boundedLoops, fexit: Self.fexit, options: CollectorOptions())
        #expect(plans.map(\.description) == ["bounded-loops build, fexit, descriptor table by helper",
                                             "bounded-loops build, tracepoint, descriptor table by helper"])
    }
}
