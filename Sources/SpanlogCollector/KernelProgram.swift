#if canImport(Glibc)
import Glibc
#endif
import CSpanlogBPF
import Foundation
import SpanlogCore

/// The loaded and attached BPF object, and the maps user space talks to. The programs stay
/// attached as long as this object lives; links are file descriptors, so they also go away
/// when the process dies, even by SIGKILL.
final class KernelProgram {
    private let object: OpaquePointer
    private var links: [OpaquePointer] = []
    /// libbpf does not copy the ELF image passed to open_mem: it must outlive the object.
    private let image: UnsafeMutableRawBufferPointer
    let eventsFD: Int32
    /// The program's target bitmap (its .bss), mapped into this process.
    private let targetBits: UnsafeMutableBufferPointer<UInt64>
    private let verdictsFD: Int32
    private let lostFD: Int32
    private let originsFD: Int32
    private let skippedFD: Int32
    private let possibleCPUs: Int

    init(options: CollectorOptions) throws(CollectorError) {
        sl_libbpf_set_verbose(options.verbose ? 1 : 0)
        guard let bytes = Data(base64Encoded: EmbeddedBPFObject.base64) else {
            throw CollectorError(what: "the embedded BPF object is damaged", why: "it is not valid base64",
                                 fix: "rebuild spanlog")
        }
        image = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        image.copyBytes(from: bytes)
        possibleCPUs = Int(max(1, libbpf_num_possible_cpus()))

        var config = Self.configuration(options)
        let object: OpaquePointer
        do throws(CollectorError) {
            // Kernels before 6.17 refuse the direct load of the descriptor table; they get the
            // helper-call variant (one helper call more per write) on a second try.
            var loaded = try Self.openAndLoad(image, config: config, ringBufferBytes: options.ringBufferBytes)
            if case .rejected = loaded, config.fd_table_by_helper == 0 {
                config.fd_table_by_helper = 1
                loaded = try Self.openAndLoad(image, config: config, ringBufferBytes: options.ringBufferBytes)
            }
            switch loaded {
            case .loaded(let loadedObject): object = loadedObject
            case .rejected(let status):
                throw CollectorError.system(
                    "loading the BPF program into the kernel failed", errno: -status,
                    otherwise: "spanlog needs \(Preflight.kernelRequirement); run with --verbose to see the verifier's log")
            }
        } catch {
            image.deallocate()
            throw error
        }
        self.object = object
        if config.fd_table_by_helper != 0 && options.verbose {
            let note = "spanlog: reading descriptor tables with a helper call (kernel before 6.17, or asked to)\n"
            _ = note.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
        do throws(CollectorError) {
            guard let events = bpf_object__find_map_by_name(object, "events") else {
                throw CollectorError(what: "the BPF object has no 'events' map", why: "it does not match this spanlog",
                                     fix: "rebuild spanlog")
            }
            eventsFD = bpf_map__fd(events)
            verdictsFD = try Self.mapFD(object, "file_verdicts")
            lostFD = try Self.mapFD(object, "lost")
            originsFD = try Self.mapFD(object, "origins")
            skippedFD = try Self.mapFD(object, "skipped")
            try Self.attachAll(object, into: &links)
            // Last: nothing after it can fail, so the mapping is only ever undone by deinit.
            targetBits = try Self.mapTargetBitmap(object)
        } catch {
            for link in links { bpf_link__destroy(link) }
            bpf_object__close(object)
            image.deallocate()
            throw error
        }
    }

    deinit {
        munmap(targetBits.baseAddress, targetBits.count * MemoryLayout<UInt64>.size)
        for link in links { bpf_link__destroy(link) }
        bpf_object__close(object)
        image.deallocate()
    }

    private static func configuration(_ options: CollectorOptions) -> sl_config {
        var config = sl_config()
        config.self_tgid = UInt32(getpid())
        config.max_payload = UInt32(min(max(1, options.maxWriteBytes), Int(SL_MAX_PAYLOAD_LIMIT)))
        config.wakeup_bytes = UInt32(max(4096, options.ringBufferBytes / 16))
        config.trace_all = options.traceAll ? 1 : 0
        config.capture_stdout = options.captureStdout ? 1 : 0
        config.capture_stderr = options.captureStderr ? 1 : 0
        config.target_cgroup_id = options.targetCgroupID ?? 0
        config.fd_table_by_helper = options.fdTableByHelper ? 1 : 0
        config.span_io = options.spanIO ? 1 : 0
        // Not root: whatever spanlog's capabilities, only the caller's own processes are read.
        if getuid() != 0 {
            config.only_owner_uid = 1
            config.owner_uid = getuid()
        }
        if let comm = options.targetComm {
            withUnsafeMutableBytes(of: &config.target_comm) { raw in
                for (index, byte) in comm.utf8.prefix(Int(SL_COMM_LEN) - 1).enumerated() { raw[index] = byte }
            }
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

    private enum LoadOutcome {
        case loaded(OpaquePointer)
        /// The kernel refused the program (the verifier, or a missing feature): -errno.
        case rejected(Int32)
    }

    /// Opens the object from `image`, configures it and loads it into the kernel. An object
    /// that fails to load is closed (libbpf cannot load one twice).
    private static func openAndLoad(_ image: UnsafeMutableRawBufferPointer, config: sl_config,
                                    ringBufferBytes: Int) throws(CollectorError) -> LoadOutcome {
        guard let object = bpf_object__open_mem(image.baseAddress, image.count, nil) else {
            throw CollectorError.system("opening the BPF object failed", errno: errno,
                                        otherwise: "rebuild spanlog; run with --verbose for libbpf's log")
        }
        var config = config
        let status = sl_set_config(object, &config)
        guard status == 0 else {
            bpf_object__close(object)
            throw CollectorError(what: "configuring the BPF program failed", why: String(cString: strerror(-status)),
                                 fix: "rebuild spanlog")
        }
        guard let events = bpf_object__find_map_by_name(object, "events") else {
            bpf_object__close(object)
            throw CollectorError(what: "the BPF object has no 'events' map", why: "it does not match this spanlog",
                                 fix: "rebuild spanlog")
        }
        let ringStatus = bpf_map__set_max_entries(events, UInt32(ringBufferBytes))
        guard ringStatus == 0 else {
            bpf_object__close(object)
            throw CollectorError(what: "ring buffer size \(ringBufferBytes) rejected",
                                 why: String(cString: strerror(-ringStatus)),
                                 fix: "use a power of two of at least 4096 bytes for --ring-buffer-size")
        }
        let loadStatus = bpf_object__load(object)
        guard loadStatus == 0 else {
            bpf_object__close(object)
            return .rejected(loadStatus)
        }
        return .loaded(object)
    }

    private static func mapFD(_ object: OpaquePointer, _ name: String) throws(CollectorError) -> Int32 {
        guard let map = bpf_object__find_map_by_name(object, name) else {
            throw CollectorError(what: "the BPF object has no '\(name)' map", why: "it does not match this spanlog",
                                 fix: "rebuild spanlog")
        }
        return bpf_map__fd(map)
    }

    /// The target bitmap is the program's only zero-initialised global, so it is all of the
    /// object's .bss map, which libbpf creates mappable.
    private static func mapTargetBitmap(_ object: OpaquePointer) throws(CollectorError)
        -> UnsafeMutableBufferPointer<UInt64>
    {
        var map = bpf_object__next_map(object, nil)
        while let current = map, !String(cString: bpf_map__name(current)).hasSuffix(".bss") {
            map = bpf_object__next_map(object, current)
        }
        let expected = Int(SL_TARGET_WORDS) * MemoryLayout<UInt64>.size
        guard let map, Int(bpf_map__value_size(map)) == expected else {
            throw CollectorError(what: "the BPF object has no target bitmap of \(expected) bytes",
                                 why: "it does not match this spanlog", fix: "rebuild spanlog")
        }
        let memory = mmap(nil, expected, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(map), 0)
        guard let memory, memory != MAP_FAILED else {
            throw CollectorError.system("mapping the BPF target bitmap failed", errno: errno,
                                        otherwise: "spanlog needs \(Preflight.kernelRequirement)")
        }
        return UnsafeMutableBufferPointer(start: memory.assumingMemoryBound(to: UInt64.self),
                                          count: Int(SL_TARGET_WORDS))
    }

    private static func attachAll(_ object: OpaquePointer, into links: inout [OpaquePointer]) throws(CollectorError) {
        var program = bpf_object__next_program(object, nil)
        while let current = program {
            guard let link = bpf_program__attach(current) else {
                let error = errno
                let name = String(cString: bpf_program__section_name(current))
                throw CollectorError.system("attaching \(name) failed", errno: error,
                                            otherwise: "spanlog needs \(Preflight.kernelRequirement); run with --verbose for libbpf's log")
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
