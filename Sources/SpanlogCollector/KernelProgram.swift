#if canImport(Glibc)
import Glibc
#endif
import CSpanlogBPF
import Foundation
import SpanlogCore

/// The loaded and attached BPF object, and the maps user space talks to, reached through the
/// generated skeleton (Sources/CSpanlogBPF/include/spanlog.skel.h). The programs stay attached
/// as long as this object lives; links are file descriptors, so they also go away when the
/// process dies, even by SIGKILL.
final class KernelProgram {
    private let skeleton: UnsafeMutablePointer<spanlog_bpf>
    private var object: OpaquePointer { skeleton.pointee.obj }
    private var links: [OpaquePointer] = []
    /// libbpf does not copy the ELF image it opens: it must outlive the skeleton.
    private let image: UnsafeMutableRawBufferPointer
    let eventsFD: Int32
    /// The program's target bitmap (its .bss), shared with the kernel; libbpf maps and unmaps it.
    private let targetBits: UnsafeMutableBufferPointer<UInt64>
    private let verdictsFD: Int32
    private let lostFD: Int32
    private let originsFD: Int32
    private let skippedFD: Int32
    private let possibleCPUs: Int

    /// How the program was built and attached (for --verbose and the stats record).
    let summary: KernelProgramSummary
    /// The helpers of newer kernels this one lacks (the bounded-loops build is used then).
    private let missingHelpers: [String]

    init(options: CollectorOptions) throws(CollectorError) {
        sl_libbpf_set_verbose(options.verbose ? 1 : 0)
        possibleCPUs = Int(max(1, libbpf_num_possible_cpus()))
        let kernel = KernelFacts.current()
        // Chosen by what the kernel has, not by its version: kfuncs by BTF lookup, helpers by
        // asking the verifier (vendor kernels backport both).
        let kernelHasKfuncs = ProgramBuild.kfuncsChecked.allSatisfy { sl_kernel_function_id($0) > 0 }
        let missingHelpers = ProgramBuild.newerHelpers.filter { sl_kernel_has_helper($0.number) != 1 }.map(\.name)
        self.missingHelpers = missingHelpers
        let builds = ProgramBuild.inOrder(hasKfuncs: kernelHasKfuncs, missingHelpers: missingHelpers,
                                          withoutKfuncs: options.withoutKfuncs, boundedLoops: options.boundedLoops)
        let fexit = try Self.fexitTargets(options)
        let config = Self.configuration(options)

        var loaded: (skeleton: UnsafeMutablePointer<spanlog_bpf>, image: UnsafeMutableRawBufferPointer, plan: LoadPlan)?
        var refusal: (status: Int32, log: String)?
        let plans = builds.flatMap { LoadPlan.inOrder(build: $0, fexit: fexit.targets, options: options) }
        for plan in plans {
            var planConfig = config
            planConfig.fd_table_by_helper = plan.fdTableByHelper ? 1 : 0
            let image = try Self.image(of: plan.build)
            sl_libbpf_log_clear()
            let outcome: LoadOutcome
            do throws(CollectorError) {
                outcome = try Self.openAndLoad(image, config: planConfig, plan: plan, spanIO: options.spanIO,
                                               ringBufferBytes: options.ringBufferBytes, statistics: options.verbose)
            } catch {
                image.deallocate()
                throw error
            }
            switch outcome {
            case .loaded(let skeleton):
                loaded = (skeleton, image, plan)
            case .rejected(let status):
                image.deallocate()
                refusal = (status, String(cString: sl_libbpf_log()))
                if options.verbose { Self.note("the kernel refused the program as \(plan); trying the next way") }
                continue
            }
            break
        }
        guard let loaded else {
            let (status, log) = refusal ?? (-EINVAL, "")
            throw LoadFailure.explain(status: status, log: log, kernel: kernel)
        }
        let (skeleton, plan) = (loaded.skeleton, loaded.plan)
        self.skeleton = skeleton
        image = loaded.image
        summary = KernelProgramSummary(
            attach: plan.fexit == nil ? "tracepoint" : "fexit",
            attachFallbackReason: plan.fexit == nil ? fexit.unavailable ?? (fexit.targets != nil ? "the kernel refused the fexit programs" : nil) : nil,
            build: plan.build.rawValue, descriptorTable: plan.fdTableByHelper ? "helper" : "direct",
            fexitFunctions: (plan.fexit?.captured ?? []) + (plan.fexit?.pipes ?? []) + (plan.fexit?.io ?? []))
        let maps = skeleton.pointee.maps
        eventsFD = bpf_map__fd(maps.events)
        verdictsFD = bpf_map__fd(maps.file_verdicts)
        lostFD = bpf_map__fd(maps.lost)
        originsFD = bpf_map__fd(maps.origins)
        skippedFD = bpf_map__fd(maps.skipped)
        do throws(CollectorError) {
            targetBits = try Self.targetBitmap(skeleton)
            // Before attaching: a program that starts at once is matched already.
            try Self.fillTargets(maps, options)
            try Self.attachAll(skeleton.pointee.obj, into: &links)
        } catch {
            for link in links { bpf_link__destroy(link) }
            spanlog_bpf__destroy(skeleton)
            loaded.image.deallocate()
            throw error
        }
        if options.verbose { Self.note(describe(kernel)) }
    }

    deinit {
        for link in links { bpf_link__destroy(link) }
        spanlog_bpf__destroy(skeleton)
        image.deallocate()
    }

    private static func note(_ text: String) {
        let line = "spanlog: \(text)\n"
        _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    }

    /// What --verbose says once the program runs: the kernel, how the program is attached and
    /// built, and the verifier's work per program (its limit is 1,000,000 instructions).
    private func describe(_ kernel: KernelFacts) -> String {
        let why = summary.build == ProgramBuild.boundedLoops.rawValue && !missingHelpers.isEmpty
            ? " (the kernel has no \(missingHelpers.joined(separator: ", ")))" : ""
        var text = "\(kernel.description); BPF program: \(summary.build) build\(why), descriptor table by \(summary.descriptorTable), attached to "
        if summary.attach == "fexit" {
            text += "fexit on \(summary.fexitFunctions.count) system call functions"
        } else {
            text += "the sys_exit tracepoint" + (summary.attachFallbackReason.map { " (fexit not used: \($0))" } ?? "")
        }
        var counts: [String] = []
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            if bpf_program__autoload(current) {
                var verified = sl_program_verified_instructions(bpf_program__fd(current))
                if verified <= 0 { verified = sl_logged_verified_instructions(bpf_program__name(current)) }
                counts.append("\(String(cString: bpf_program__name(current)))=\(verified)")
            }
            program = bpf_object__next_program(object, current)
        }
        return text + "; verified instructions: " + counts.joined(separator: " ")
    }

    /// The fexit functions to use, or why there are none.
    private static func fexitTargets(_ options: CollectorOptions) throws(CollectorError)
        -> (targets: FexitTargets?, unavailable: String?)
    {
        if options.attach == .tracepoint { return (nil, nil) }
        var unavailable: String
        switch FexitTargets.resolve(spanIO: options.spanIO, kernelHas: { sl_kernel_function_id($0) > 0 }) {
        case .failure(let missing):
            unavailable = missing.description
        case .success(let targets):
            let probe = sl_probe_fexit(targets.captured[0])
            if probe == 0 { return (targets, nil) }
            let lockdown = KernelFacts.current().lockdown.map { ", lockdown \($0)" } ?? ""
            unavailable = "the kernel refuses fexit programs (\(String(cString: strerror(-probe)))\(lockdown))"
        }
        if options.attach == .fexit {
            throw CollectorError(what: "--attach fexit is not possible here", why: unavailable,
                                 fix: "use --attach auto (the default) or --attach tracepoint")
        }
        return (nil, unavailable)
    }

    private static func image(of build: ProgramBuild) throws(CollectorError) -> UnsafeMutableRawBufferPointer {
        let base64 = switch build {
        case .kfuncs: EmbeddedBPFObject.withKfuncs
        case .probeReads: EmbeddedBPFObject.withProbeReads
        case .boundedLoops: EmbeddedBPFObject.withBoundedLoops
        }
        guard let bytes = Data(base64Encoded: base64) else {
            throw CollectorError(what: "the embedded BPF object is damaged", why: "it is not valid base64",
                                 fix: "rebuild spanlog")
        }
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        image.copyBytes(from: bytes)
        return image
    }

    private static func configuration(_ options: CollectorOptions) -> sl_config {
        var config = sl_config()
        config.self_tgid = UInt32(getpid())
        config.max_payload = UInt32(min(max(1, options.maxWriteBytes), CollectorOptions.maxWriteBytesLimit))
        config.wakeup_bytes = UInt32(max(4096, options.ringBufferBytes / 16))
        config.trace_all = options.traceAll ? 1 : 0
        config.capture_stdout = options.captureStdout ? 1 : 0
        config.capture_stderr = options.captureStderr ? 1 : 0
        config.cgroup_targets = options.targetCgroupIDs.isEmpty ? 0 : 1
        config.comm_targets = options.targetComms.isEmpty ? 0 : 1
        config.span_io = options.spanIO ? 1 : 0
        // Not root: whatever spanlog's capabilities, only the caller's own processes are read.
        if getuid() != 0 {
            config.only_owner_uid = 1
            config.owner_uid = getuid()
        }
        if let container = options.targetContainer?.lowercased() {
            let id = Array(container.utf8.prefix(64))
            config.container_length = UInt8(id.count)
            withUnsafeMutableBytes(of: &config.target_container) { raw in
                for (index, byte) in id.enumerated() { raw[index] = byte }
            }
        }
        return config
    }

    /// The command names and cgroups to follow, into their maps.
    private static func fillTargets(_ maps: spanlog_bpf.__Unnamed_struct_maps, _ options: CollectorOptions)
        throws(CollectorError)
    {
        let present: UInt8 = 1
        if !options.targetComms.isEmpty {
            let comms = bpf_map__fd(maps.target_comms)
            for comm in options.targetComms {
                var key = [UInt8](repeating: 0, count: Int(SL_COMM_LEN))
                for (index, byte) in comm.utf8.prefix(Int(SL_COMM_LEN) - 1).enumerated() { key[index] = byte }
                var value = present
                guard bpf_map_update_elem(comms, key, &value, UInt64(BPF_ANY)) == 0 else {
                    throw CollectorError.system("cannot follow processes named \(comm)", errno: errno,
                                                otherwise: "name at most \(CollectorOptions.maxNamedTargets) commands")
                }
            }
        }
        if !options.targetCgroupIDs.isEmpty {
            let cgroups = bpf_map__fd(maps.target_cgroups)
            for id in options.targetCgroupIDs {
                var key = id, value = present
                guard bpf_map_update_elem(cgroups, &key, &value, UInt64(BPF_ANY)) == 0 else {
                    throw CollectorError.system("cannot follow cgroup \(id)", errno: errno,
                                                otherwise: "name at most \(CollectorOptions.maxNamedTargets) cgroups")
                }
            }
        }
    }

    private enum LoadOutcome {
        case loaded(UnsafeMutablePointer<spanlog_bpf>)
        /// The kernel refused the program (the verifier, or a missing feature): -errno.
        case rejected(Int32)
    }

    /// Opens the object from `image`, configures it, picks its programs for `plan` and loads it
    /// into the kernel. An object that fails to load is closed (libbpf cannot load one twice).
    private static func openAndLoad(_ image: UnsafeMutableRawBufferPointer, config: sl_config, plan: LoadPlan,
                                    spanIO: Bool, ringBufferBytes: Int, statistics: Bool) throws(CollectorError) -> LoadOutcome {
        guard let skeleton = sl_skeleton_open(image.baseAddress, image.count) else {
            throw CollectorError.system("opening the BPF object failed", errno: errno,
                                        otherwise: "rebuild spanlog (after a change to bpf/, regenerate its skeleton: "
                                            + "bash scripts/gen-skeleton.sh); run with --verbose for libbpf's log")
        }
        // libbpf's copy of .rodata, written to the kernel at load.
        skeleton.pointee.rodata.pointee.config = config
        let ringStatus = bpf_map__set_max_entries(skeleton.pointee.maps.events, UInt32(ringBufferBytes))
        guard ringStatus == 0 else {
            spanlog_bpf__destroy(skeleton)
            throw CollectorError(what: "ring buffer size \(ringBufferBytes) rejected",
                                 why: String(cString: strerror(-ringStatus)),
                                 fix: "use a power of two of at least 4096 bytes for --ring-buffer-size")
        }
        do throws(CollectorError) {
            try choosePrograms(skeleton.pointee.obj, plan: plan, spanIO: spanIO)
        } catch {
            spanlog_bpf__destroy(skeleton)
            throw error
        }
        // --verbose: the verifier's count per program, which kernels before 5.16 give only in its log.
        if statistics { sl_log_verifier_statistics(skeleton.pointee.obj) }
        let loadStatus = spanlog_bpf__load(skeleton)
        guard loadStatus == 0 else {
            spanlog_bpf__destroy(skeleton)
            return .rejected(loadStatus)
        }
        return .loaded(skeleton)
    }

    /// Loads the tracepoint or the fexit slots the plan needs, each slot aimed at its function,
    /// and leaves the rest out of the kernel.
    private static func choosePrograms(_ object: OpaquePointer, plan: LoadPlan, spanIO: Bool) throws(CollectorError) {
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            let name = String(cString: bpf_program__name(current))
            var target: String?
            var load = true
            if name == "on_sys_exit" {
                load = plan.fexit == nil
            } else if let slot = slotNumber(name, prefix: "capture_exit_") {
                target = plan.fexit.flatMap { slot < $0.captured.count ? $0.captured[slot] : nil }
                load = target != nil
            } else if let slot = slotNumber(name, prefix: "pipe_exit_") {
                target = plan.fexit.flatMap { slot < $0.pipes.count ? $0.pipes[slot] : nil }
                load = target != nil
            } else if let slot = slotNumber(name, prefix: "io_exit_") {
                target = plan.fexit.flatMap { spanIO && slot < $0.io.count ? $0.io[slot] : nil }
                load = target != nil
            }
            bpf_program__set_autoload(current, load)
            if let target {
                let status = bpf_program__set_attach_target(current, 0, target)
                guard status == 0 else {
                    throw CollectorError(what: "aiming the fexit program \(name) at \(target) failed",
                                         why: String(cString: strerror(-status)),
                                         fix: "run with --attach tracepoint, and report it with the output of --verbose")
                }
            }
            program = bpf_object__next_program(object, current)
        }
    }

    private static func slotNumber(_ name: String, prefix: String) -> Int? {
        name.hasPrefix(prefix) ? Int(name.dropFirst(prefix.count)) : nil
    }

    /// The target bitmap, which libbpf mapped shared with the kernel at load.
    private static func targetBitmap(_ skeleton: UnsafeMutablePointer<spanlog_bpf>) throws(CollectorError)
        -> UnsafeMutableBufferPointer<UInt64>
    {
        guard let bits = sl_skeleton_target_bits(skeleton) else {
            throw CollectorError(what: "the BPF target bitmap is not mapped",
                                 why: "the kernel did not let libbpf map the program's global data",
                                 fix: "spanlog needs \(Preflight.kernelRequirement)")
        }
        return UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(bits).assumingMemoryBound(to: UInt64.self),
                                          count: Int(SL_TARGET_WORDS))
    }

    private static func attachAll(_ object: OpaquePointer, into links: inout [OpaquePointer]) throws(CollectorError) {
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            guard bpf_program__autoload(current) else {
                program = bpf_object__next_program(object, current)
                continue
            }
            guard let link = bpf_program__attach(current) else {
                let error = errno
                let name = String(cString: bpf_program__section_name(current))
                throw CollectorError.system("attaching \(name) failed", errno: error,
                                            otherwise: "(\(KernelFacts.current().description)); run with --verbose for libbpf's log")
            }
            links.append(link)
            program = bpf_object__next_program(object, current)
        }
    }

    /// Starts capturing a process (its future children follow in the kernel).
    func addTarget(_ pid: Int32) {
        guard pid > 0, UInt32(pid) < SL_PID_LIMIT else { return }
        sl_target_bitmap_set(targetBits.baseAddress, UInt32(pid))
    }

    func setVerdict(device: UInt64, inode: UInt64, capture: Bool) {
        var key = sl_file_key(device: device, inode: inode)
        var verdict = sl_file_verdict()
        verdict.verdict = UInt8(capture ? SL_VERDICT_CAPTURE : SL_VERDICT_IGNORE)
        // Only set it if the kernel has none: its entry may already carry the name signature.
        _ = bpf_map_update_elem(verdictsFD, &key, &verdict, UInt64(BPF_NOEXIST))
    }

    /// Records what a process's stdout and stderr were when it came under trace (the kernel
    /// takes them from its descriptors when nobody says).
    func setOrigin(pid: Int32, stdout: FileIdentity, stderr: FileIdentity) {
        var key = UInt32(bitPattern: pid)
        var origin = sl_origin(out: sl_file_key(device: stdout.device, inode: stdout.inode),
                               err: sl_file_key(device: stderr.device, inode: stderr.inode))
        _ = bpf_map_update_elem(originsFD, &key, &origin, UInt64(BPF_ANY))
    }

    /// Writes the capture rules left out since load, by reason, summed over CPUs.
    func skippedOutput() -> SkippedOutput {
        func read(_ reason: Int32) -> (writes: UInt64, bytes: UInt64) {
            var values = [sl_skipped](repeating: sl_skipped(), count: possibleCPUs)
            var key = UInt32(reason)
            guard bpf_map_lookup_elem(skippedFD, &key, &values) == 0 else { return (0, 0) }
            return values.reduce((0, 0)) { ($0.0 &+ $1.writes, $0.1 &+ $1.bytes) }
        }
        let pipes = read(SL_SKIPPED_TREE_PIPE), files = read(SL_SKIPPED_OTHER_FILE)
        return SkippedOutput(treePipeWrites: pipes.writes, treePipeBytes: pipes.bytes, otherFileWrites: files.writes,
                             otherFileBytes: files.bytes)
    }

    /// Events the kernel could not hand over since load, summed over CPUs.
    func lostEvents() -> UInt64 {
        var values = [UInt64](repeating: 0, count: possibleCPUs)
        var key: UInt32 = 0
        guard bpf_map_lookup_elem(lostFD, &key, &values) == 0 else { return 0 }
        return values.reduce(0, &+)
    }
}
