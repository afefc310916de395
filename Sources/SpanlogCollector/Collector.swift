#if canImport(Glibc)
import Glibc
#endif
import CSpanlogBPF
import SpanlogCore

/// The live event source: loads the BPF program, follows the targeted processes, and hands
/// each captured event, in ring-buffer order, to `emit` on the thread that calls `poll`.
public final class Collector {
    private let program: KernelProgram
    private let translator: SampleTranslator
    private var ringBuffer: OpaquePointer?
    private let emit: (RawEvent) -> Void
    private var reportedLost: UInt64 = 0
    private var reportedSkipped = SkippedOutput()
    private var stopped = false

    public init(options: CollectorOptions, emit: @escaping (RawEvent) -> Void) throws(CollectorError) {
        try Preflight.check()
        guard options.ringBufferBytes >= 4096, options.ringBufferBytes & (options.ringBufferBytes - 1) == 0 else {
            throw CollectorError(what: "invalid --ring-buffer-size \(options.ringBufferBytes)",
                                 why: "the kernel ring buffer must be a power of two of at least 4096 bytes",
                                 fix: "use for example 33554432 (32 MiB)")
        }
        program = try KernelProgram(options: options)
        self.emit = emit
        translator = SampleTranslator(program: program, globs: options.logGlobs, emit: emit)
        let context = Unmanaged.passUnretained(translator).toOpaque()
        guard let ring = ring_buffer__new(program.eventsFD, { context, data, size in
            guard let context, let data else { return 0 }
            let translator = Unmanaged<SampleTranslator>.fromOpaque(context).takeUnretainedValue()
            translator.handle(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }, context, nil) else {
            throw CollectorError.system("opening the kernel ring buffer failed", errno: errno,
                                        otherwise: "check the memory lock limit (ulimit -l) and --ring-buffer-size")
        }
        ringBuffer = ring
    }

    deinit {
        if let ringBuffer { ring_buffer__free(ringBuffer) }
    }

    public var stats: CollectorStats { translator.stats }

    /// How the kernel program is attached and built.
    public var programSummary: KernelProgramSummary { program.summary }

    // MARK: Targets

    /// Follows a process that already runs (or is about to exec), and its existing descendants.
    /// Their current state is reported as `processStart` events, parents first.
    public func trace(pid: Int32, includeDescendants: Bool = true) {
        trace(includeDescendants: includeDescendants) { $0.pid == pid }
    }

    /// Follows every running process for which `select` is true, and their descendants.
    public func trace(where select: (ProcessSnapshot) -> Bool) {
        trace(includeDescendants: true, select: select)
    }

    private func trace(includeDescendants: Bool, select: (ProcessSnapshot) -> Bool) {
        let own = getpid()
        var snapshots: [Int32: ProcessSnapshot] = [:]
        for pid in ProcFS.allPids() where pid != own {
            if let snapshot = ProcFS.snapshot(of: pid) { snapshots[pid] = snapshot }
        }
        var children: [Int32: [Int32]] = [:]
        for snapshot in snapshots.values { children[snapshot.parentPid, default: []].append(snapshot.pid) }

        var traced = Set<Int32>()
        var queue = snapshots.values.filter(select).map(\.pid).sorted()
        let now = KernelClock.now()
        while !queue.isEmpty {
            let pid = queue.removeFirst()
            guard traced.insert(pid).inserted else { continue }
            program.addTarget(pid)
            // What it writes to now is its stdout/stderr from here on.
            if let out = FileIdentity(path: "/proc/\(pid)/fd/1"), let err = FileIdentity(path: "/proc/\(pid)/fd/2") {
                program.setOrigin(pid: pid, stdout: out, stderr: err)
            }
            guard let snapshot = snapshots[pid] else { continue }
            translator.noteContainer(pid: pid, container: snapshot.container)
            // A process that was already running was created by its parent's main thread as far
            // as we can tell; the real creating thread is only seen for forks after this point.
            let creator: Int32? = traced.contains(snapshot.parentPid) ? snapshot.parentPid : nil
            emit(.processStart(ProcessStart(timestamp: now, pid: pid, parentPid: snapshot.parentPid,
                                            creatorTid: creator, comm: snapshot.comm, container: snapshot.container)))
            if includeDescendants { queue.append(contentsOf: (children[pid] ?? []).sorted()) }
        }
    }

    /// The command names of the processes running now (spanlog's own left out).
    public static func runningCommandNames() -> Set<String> {
        let own = getpid()
        return Set(ProcFS.allPids().lazy.filter { $0 != own }.compactMap { ProcFS.comm(of: $0) })
    }

    /// Registers a child that spanlog started itself and that has not exec'd yet, with the
    /// stdout and stderr spanlog gave it.
    public func traceSpawned(pid: Int32, comm: String, stdout: FileIdentity?, stderr: FileIdentity?) {
        program.addTarget(pid)
        if let stdout, let stderr { program.setOrigin(pid: pid, stdout: stdout, stderr: stderr) }
        emit(.processStart(ProcessStart(timestamp: KernelClock.now(), pid: pid, parentPid: getpid(), creatorTid: nil,
                                        comm: comm, container: ProcFS.container(of: getpid()))))
    }

    // MARK: Polling

    /// Waits up to `timeoutMilliseconds` for events and hands over all that are ready.
    /// Reports kernel losses as they happen.
    public func poll(timeoutMilliseconds: Int32) {
        guard let ringBuffer, !stopped else { return }
        // The program wakes us only once enough data waits; a poll that times out has
        // consumed nothing, so take what is there now.
        if ring_buffer__poll(ringBuffer, timeoutMilliseconds) == 0 { _ = ring_buffer__consume(ringBuffer) }
        reportLoss()
    }

    /// Hands over everything already in the ring buffer, without waiting.
    public func drain() {
        guard let ringBuffer, !stopped else { return }
        _ = ring_buffer__consume(ringBuffer)
        reportLoss()
    }

    private func reportLoss() {
        let lost = program.lostEvents()
        if lost > reportedLost {
            emit(.lost(timestamp: KernelClock.now(), count: lost - reportedLost))
            reportedLost = lost
        }
        var skipped = program.skippedOutput()
        skipped.otherFileWrites &+= translator.skippedFileWrites
        skipped.otherFileBytes &+= translator.skippedFileBytes
        guard skipped != reportedSkipped else { return }
        emit(.skipped(timestamp: KernelClock.now(), SkippedOutput(
            treePipeWrites: skipped.treePipeWrites &- reportedSkipped.treePipeWrites,
            treePipeBytes: skipped.treePipeBytes &- reportedSkipped.treePipeBytes,
            otherFileWrites: skipped.otherFileWrites &- reportedSkipped.otherFileWrites,
            otherFileBytes: skipped.otherFileBytes &- reportedSkipped.otherFileBytes)))
        reportedSkipped = skipped
    }

    /// Drains what is left and emits the final `stop` event.
    public func stop() {
        guard !stopped else { return }
        drain()
        stopped = true
        emit(.stop(timestamp: KernelClock.now()))
    }
}
