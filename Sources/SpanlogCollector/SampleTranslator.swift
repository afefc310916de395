import CSpanlogSupport
import SpanlogCore

/// Counters for what the collector itself could not pass on.
public struct CollectorStats: Sendable {
    /// Writes to a file whose path could not be read (its descriptor closed before spanlog
    /// looked): their log globs could not be checked, so they were not kept.
    public var unresolvedFileWrites = 0
    /// Samples of an unknown type or size (a BPF object that does not match this spanlog).
    public var malformedSamples = 0
    public var samples = 0
}

/// Turns ring-buffer samples into raw events: decodes the fixed layout of bpf/spanlog.h,
/// gives file writes their path (deciding capture verdicts for new files), and keeps
/// process metadata the engine needs.
final class SampleTranslator {
    private let program: KernelProgram
    private let globs: [LogPathGlob]
    private let emit: (RawEvent) -> Void
    private(set) var stats = CollectorStats()
    private var containers: [Int32: String] = [:]

    private struct CachedPath {
        var device: UInt64
        var inode: UInt64
        var path: String
        var resolvedAt: UInt64
    }

    /// Paths are re-read at most this often per descriptor, so a renamed (rotated) file
    /// shows its new path within this time.
    static let pathRefreshNanoseconds: UInt64 = 1_000_000_000
    /// By pid, then fd: a process's entries go at once when it exits.
    private var paths: [Int32: [Int32: CachedPath]] = [:]

    init(program: KernelProgram, globs: [LogPathGlob], emit: @escaping (RawEvent) -> Void) {
        self.program = program
        self.globs = globs
        self.emit = emit
    }

    func noteContainer(pid: Int32, container: String?) {
        containers[pid] = container
    }

    func handle(_ sample: UnsafeRawBufferPointer) {
        stats.samples += 1
        guard sample.count >= MemoryLayout<sl_event_header>.size else {
            stats.malformedSamples += 1
            return
        }
        let header = sample.loadUnaligned(as: sl_event_header.self)
        switch Int32(header.type) {
        case SL_EVENT_WRITE:
            guard sample.count >= MemoryLayout<sl_write_event>.size else {
                stats.malformedSamples += 1
                return
            }
            handleWrite(sample.loadUnaligned(as: sl_write_event.self), sample)
        case SL_EVENT_PROCESS_START, SL_EVENT_COMM_MATCH, SL_EVENT_EXEC, SL_EVENT_EXIT:
            guard sample.count >= MemoryLayout<sl_process_event>.size else {
                stats.malformedSamples += 1
                return
            }
            handleProcess(sample.loadUnaligned(as: sl_process_event.self))
        default:
            stats.malformedSamples += 1
        }
    }

    private func handleWrite(_ event: sl_write_event, _ sample: UnsafeRawBufferPointer) {
        let pid = Int32(bitPattern: event.header.pid)
        let tid = Int32(bitPattern: event.header.tid)
        let dataStart = MemoryLayout<sl_write_event>.size
        let captured = min(Int(event.captured), sample.count - dataStart)
        var target: WriteTarget
        var path: String?
        switch Int32(event.target) {
        case SL_TARGET_DEVNULL: target = .devNull
        case SL_TARGET_STDOUT: target = .stdout
        case SL_TARGET_STDERR: target = .stderr
        case SL_TARGET_FILE:
            target = .file(device: event.device, inode: event.inode)
            let unclassified = Int32(event.flags) & SL_FLAG_UNCLASSIFIED != 0
            guard let resolved = resolvePath(pid: pid, fd: event.fd, device: event.device, inode: event.inode,
                                             at: event.header.timestamp_ns) else {
                if unclassified { stats.unresolvedFileWrites += 1 }
                return
            }
            if unclassified {
                let capture = LogPathGlob.anyMatches(globs, resolved)
                program.setVerdict(device: event.device, inode: event.inode, capture: capture)
                if !capture { return }
            }
            path = resolved
        default:
            stats.malformedSamples += 1
            return
        }
        let bytes = Array(UnsafeRawBufferPointer(rebasing: sample[dataStart..<(dataStart + captured)]))
        emit(.write(WriteEvent(timestamp: event.header.timestamp_ns, pid: pid, tid: tid, fd: event.fd, target: target,
                               path: path, bytes: bytes[...], writtenLength: Int(event.written))))
    }

    private func resolvePath(pid: Int32, fd: Int32, device: UInt64, inode: UInt64, at now: UInt64) -> String? {
        let cached = paths[pid]?[fd]
        if let cached, cached.device == device, cached.inode == inode, now &- cached.resolvedAt < Self.pathRefreshNanoseconds {
            return cached.path
        }
        guard let path = ProcFS.path(pid: pid, fd: fd) else {
            // The descriptor is gone already; the last known path of this file is still right
            // unless it was renamed in the meantime.
            if let cached, cached.device == device, cached.inode == inode { return cached.path }
            return nil
        }
        paths[pid, default: [:]][fd] = CachedPath(device: device, inode: inode, path: path, resolvedAt: now)
        return path
    }

    private func handleProcess(_ event: sl_process_event) {
        let pid = Int32(bitPattern: event.header.pid)
        let tid = Int32(bitPattern: event.header.tid)
        let timestamp = event.header.timestamp_ns
        let comm = withUnsafeBytes(of: event.comm) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        switch Int32(event.header.type) {
        case SL_EVENT_PROCESS_START, SL_EVENT_COMM_MATCH:
            let parent = Int32(bitPattern: event.parent_pid)
            let container = ProcFS.container(of: pid) ?? containers[parent]
            containers[pid] = container
            let creator = event.creator_tid == 0 ? nil : Int32(bitPattern: event.creator_tid)
            emit(.processStart(ProcessStart(timestamp: timestamp, pid: pid, parentPid: parent, creatorTid: creator,
                                            comm: comm, container: container)))
        case SL_EVENT_EXEC:
            emit(.exec(timestamp: timestamp, pid: pid, comm: comm))
        case SL_EVENT_EXIT:
            let processExited = event.group_dead != 0
            if processExited {
                containers[pid] = nil
                paths[pid] = nil
            }
            emit(.exit(timestamp: timestamp, pid: pid, tid: tid, processExited: processExited))
        default:
            stats.malformedSamples += 1
        }
    }
}
