import CSpanlogBPF
import SpanlogCore

/// Counters for what the collector itself could not pass on.
public struct CollectorStats: Sendable {
    /// Writes to a file whose path the kernel could not report (its ring-buffer record was
    /// lost, or the path is deeper than 32 components): their globs could not be checked.
    public var unresolvedFileWrites = 0
    /// Samples of an unknown type or size (a BPF object that does not match this spanlog).
    public var malformedSamples = 0
}

/// Turns ring-buffer samples into raw events: decodes the fixed layout of bpf/spanlog.h,
/// gives file writes their path (deciding capture verdicts for new files), and keeps
/// process metadata the engine needs.
final class SampleTranslator {
    private let program: KernelProgram
    private let globs: [LogPathGlob]
    private let emit: (RawEvent) -> Void
    private(set) var stats = CollectorStats()
    /// Writes to fd 1/2 into a regular file judged here not to be a log (later ones the kernel
    /// counts itself).
    private(set) var skippedFileWrites: UInt64 = 0
    private(set) var skippedFileBytes: UInt64 = 0
    private var containers: [Int32: String] = [:]
    /// The cgroup v2 id each process was last seen in: a change means it moved, and its
    /// container is looked up again.
    private var cgroupIDs: [Int32: UInt64] = [:]
    /// A big /dev/null write arrives as several records (SL_FLAG_MORE on all but the last);
    /// its bytes so far, by thread.
    private var markerChunks: [Int32: (timestamp: UInt64, bytes: [UInt8])] = [:]

    private struct FileKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// The path of each captured file as the kernel last reported it (it reports again on
    /// every rename), so records carry the path at write time. Entries are never dropped for a
    /// captured file: the kernel would not send its path again until it is renamed. Paths of
    /// files judged not to be logs are removed at once, which keeps this to the log files.
    private var kernelPaths: [FileKey: String] = [:]
    /// Verdicts already given. Several writes can be queued before the kernel has the verdict;
    /// a file judged a log stays one after a rename (rotation), as the kernel map keeps it.
    private var verdicts: [FileKey: Bool] = [:]

    init(program: KernelProgram, globs: [LogPathGlob], emit: @escaping (RawEvent) -> Void) {
        self.program = program
        self.globs = globs
        self.emit = emit
    }

    func noteContainer(pid: Int32, container: String?) {
        containers[pid] = container
    }

    func handle(_ sample: UnsafeRawBufferPointer) {
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
        case SL_EVENT_MARKER:
            guard sample.count >= MemoryLayout<sl_marker_event>.size else {
                stats.malformedSamples += 1
                return
            }
            handleMarker(sample.loadUnaligned(as: sl_marker_event.self), sample)
        case SL_EVENT_FILE_PATH:
            guard sample.count >= MemoryLayout<sl_path_event>.size else {
                stats.malformedSamples += 1
                return
            }
            handlePath(sample)
        case SL_EVENT_THREAD_IO:
            guard sample.count >= MemoryLayout<sl_thread_io_event>.size else {
                stats.malformedSamples += 1
                return
            }
            let event = sample.loadUnaligned(as: sl_thread_io_event.self)
            emit(.threadIO(timestamp: event.header.timestamp_ns, tid: Int32(bitPattern: event.header.tid),
                           ThreadIO(readBytes: event.io.read_bytes, writtenBytes: event.io.written_bytes,
                                    reads: event.io.reads, writes: event.io.writes)))
        case SL_EVENT_CGROUPS:
            guard sample.count >= MemoryLayout<sl_cgroups_event>.size else {
                stats.malformedSamples += 1
                return
            }
            handleCgroups(sample)
        case SL_EVENT_PROCESS_START, SL_EVENT_EXEC_MATCH, SL_EVENT_EXEC, SL_EVENT_EXIT:
            guard sample.count >= MemoryLayout<sl_process_event>.size else {
                stats.malformedSamples += 1
                return
            }
            handleProcess(sample.loadUnaligned(as: sl_process_event.self))
        default:
            stats.malformedSamples += 1
        }
    }

    /// A process's cgroup as of this event: a change means it moved (and maybe changed container).
    private func noteCgroup(pid: Int32, _ cgroupID: UInt64, at timestamp: UInt64) {
        switch cgroupIDs[pid] {
        case cgroupID: break
        case nil: cgroupIDs[pid] = cgroupID // traced since before spanlog started
        default:
            cgroupIDs[pid] = cgroupID
            lookUpContainerAgain(pid: pid, at: timestamp)
        }
    }

    /// A whole /dev/null write in its compact record.
    private func handleMarker(_ event: sl_marker_event, _ sample: UnsafeRawBufferPointer) {
        let pid = Int32(bitPattern: event.pid)
        let tid = Int32(bitPattern: event.tid)
        noteCgroup(pid: pid, event.cgroup_id, at: event.timestamp_ns)
        if !markerChunks.isEmpty, let pending = markerChunks.removeValue(forKey: tid) {
            // A chunked write whose last chunk was lost: what arrived, as the partial write it is.
            emit(.write(WriteEvent(timestamp: pending.timestamp, pid: pid, tid: tid, fd: event.fd, target: .devNull,
                                   bytes: pending.bytes[...], writtenLength: pending.bytes.count + 1)))
        }
        let dataStart = MemoryLayout<sl_marker_event>.size
        let captured = min(Int(event.captured), sample.count - dataStart)
        let bytes = Array(UnsafeRawBufferPointer(rebasing: sample[dataStart..<(dataStart + captured)]))
        emit(.write(WriteEvent(timestamp: event.timestamp_ns, pid: pid, tid: tid, fd: event.fd, target: .devNull,
                               bytes: bytes[...], writtenLength: Int(event.written))))
    }

    private func handleWrite(_ event: sl_write_event, _ sample: UnsafeRawBufferPointer) {
        let pid = Int32(bitPattern: event.header.pid)
        let tid = Int32(bitPattern: event.header.tid)
        noteCgroup(pid: pid, event.header.cgroup_id, at: event.header.timestamp_ns)
        let dataStart = MemoryLayout<sl_write_event>.size
        let captured = min(Int(event.captured), sample.count - dataStart)
        var target: WriteTarget
        var path: String?
        switch Int32(event.target) {
        case SL_TARGET_DEVNULL: target = .devNull
        case SL_TARGET_STDOUT: target = .stdout
        case SL_TARGET_STDERR: target = .stderr
        case SL_TARGET_FILE:
            guard let file = resolveFile(event) else {
                if event.fd == 1 || event.fd == 2 {
                    skippedFileWrites &+= 1
                    skippedFileBytes &+= event.written
                }
                return
            }
            (target, path) = file
        default:
            stats.malformedSamples += 1
            return
        }
        var bytes = Array(UnsafeRawBufferPointer(rebasing: sample[dataStart..<(dataStart + captured)]))
        var timestamp = event.header.timestamp_ns
        if target == .devNull {
            // Chunks of one write follow each other; a lost chunk ends the write early (the
            // loss itself is counted by the kernel), and the engine reports what is missing.
            if !markerChunks.isEmpty, var pending = markerChunks.removeValue(forKey: tid) {
                pending.bytes += bytes
                bytes = pending.bytes
                timestamp = pending.timestamp
            }
            if Int32(event.flags) & SL_FLAG_MORE != 0 {
                markerChunks[tid] = (timestamp, bytes)
                return
            }
        }
        emit(.write(WriteEvent(timestamp: timestamp, pid: pid, tid: tid, fd: event.fd, target: target,
                               path: path, bytes: bytes[...], writtenLength: Int(event.written))))
    }

    /// The target of a write to a regular file: the file if it is a log, else the original
    /// stdout/stderr it is (the kernel's hint), else nil — not output. Decides the verdict of a
    /// file the kernel had none for.
    private func resolveFile(_ event: sl_write_event) -> (WriteTarget, String?)? {
        let key = FileKey(device: event.device, inode: event.inode)
        let unclassified = Int32(event.flags) & SL_FLAG_UNCLASSIFIED != 0
        let originalStream: WriteTarget? = switch Int32(event.stream_hint) {
        case SL_TARGET_STDOUT: .stdout
        case SL_TARGET_STDERR: .stderr
        default: nil
        }
        if unclassified, let decided = verdicts[key] {
            // Queued before the kernel had the verdict, or its entry was evicted (LRU).
            program.setVerdict(device: event.device, inode: event.inode, capture: decided)
            if !decided {
                kernelPaths[key] = nil
                return originalStream.map { ($0, nil) }
            }
        }
        guard let resolved = kernelPaths[key] else {
            stats.unresolvedFileWrites += 1
            return nil
        }
        if unclassified, verdicts[key] == nil {
            let capture = LogPathGlob.anyMatches(globs, resolved)
            if verdicts.count >= 65_536 { verdicts.removeAll(keepingCapacity: true) }
            verdicts[key] = capture
            program.setVerdict(device: event.device, inode: event.inode, capture: capture)
            if !capture {
                kernelPaths[key] = nil
                return originalStream.map { ($0, nil) }
            }
        }
        return (.file(device: event.device, inode: event.inode), resolved)
    }

    /// Components arrive leaf first, one fixed slot each; empty slots were spent crossing
    /// mount points.
    private func handlePath(_ sample: UnsafeRawBufferPointer) {
        let event = sample.loadUnaligned(as: sl_path_event.self)
        // An incomplete walk (very deep path) gives no usable absolute path.
        guard event.complete != 0 else { return }
        let slots = Int(SL_PATH_MAX_COMPONENTS), slotSize = Int(SL_PATH_SLOT)
        // names[][] is the struct's last member (too large for Swift to import as a tuple).
        let namesStart = MemoryLayout<sl_path_event>.size - slots * slotSize
        let filled = withUnsafeBytes(of: event.lengths) { lengths in
            (0..<slots).map { (slot: $0, length: Int(lengths[$0])) }.filter { $0.length > 0 }
        }
        kernelPaths[FileKey(device: event.device, inode: event.inode)] =
            Self.leafFirstPath(sample, namesStart: namesStart, slotSize: slotSize, slots: filled)
    }

    private func handleProcess(_ event: sl_process_event) {
        let pid = Int32(bitPattern: event.header.pid)
        let tid = Int32(bitPattern: event.header.tid)
        let timestamp = event.header.timestamp_ns
        let comm = withUnsafeBytes(of: event.comm) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        switch Int32(event.header.type) {
        case SL_EVENT_PROCESS_START, SL_EVENT_EXEC_MATCH:
            let parent = Int32(bitPattern: event.parent_pid)
            let container = ProcFS.container(of: pid) ?? containers[parent]
            containers[pid] = container
            cgroupIDs[pid] = event.header.cgroup_id
            let creator = event.creator_tid == 0 ? nil : Int32(bitPattern: event.creator_tid)
            emit(.processStart(ProcessStart(timestamp: timestamp, pid: pid, parentPid: parent, creatorTid: creator,
                                            comm: comm, container: container)))
        case SL_EVENT_EXEC:
            emit(.exec(timestamp: timestamp, pid: pid, comm: comm))
            cgroupIDs[pid] = event.header.cgroup_id
        case SL_EVENT_EXIT:
            let processExited = event.group_dead != 0
            if processExited {
                containers[pid] = nil
                cgroupIDs[pid] = nil
            }
            emit(.exit(timestamp: timestamp, pid: pid, tid: tid, processExited: processExited))
        default:
            stats.malformedSamples += 1
        }
    }

    /// The cgroup paths the kernel read when the process exec'd: container runtimes move a
    /// process into the container's cgroups between fork and exec, after spanlog looked at it,
    /// and the process may be gone before /proc could be read.
    private func handleCgroups(_ sample: UnsafeRawBufferPointer) {
        let event = sample.loadUnaligned(as: sl_cgroups_event.self)
        let pid = Int32(bitPattern: event.header.pid)
        let levels = Int(SL_CGROUP_LEVELS), nameSize = Int(SL_CGROUP_NAME)
        let namesStart = MemoryLayout<sl_cgroups_event>.size - Int(SL_CGROUP_HIERARCHIES) * levels * nameSize
        var found: String?
        withUnsafeBytes(of: event.lengths) { lengths in
            for hierarchy in 0..<Int(SL_CGROUP_HIERARCHIES) where found == nil {
                // A zero length ends the path.
                let filled = (hierarchy * levels..<(hierarchy + 1) * levels).lazy
                    .map { (slot: $0, length: Int(lengths[$0])) }.prefix { $0.length > 0 }
                let path = Self.leafFirstPath(sample, namesStart: namesStart, slotSize: nameSize, slots: Array(filled))
                found = ContainerID.parse(cgroupPath: path)
            }
        }
        // No id in the paths keeps what /proc said: a path deeper than the levels read may
        // still be inside a container.
        if let found { changeContainer(pid: pid, to: found, at: event.header.timestamp_ns) }
    }

    /// An absolute path from names the kernel wrote leaf first, one fixed-size slot each.
    private static func leafFirstPath(_ sample: UnsafeRawBufferPointer, namesStart: Int, slotSize: Int,
                                      slots: [(slot: Int, length: Int)]) -> String {
        let names = slots.reversed().map { slot in
            let start = namesStart + slot.slot * slotSize
            return String(decoding: UnsafeRawBufferPointer(rebasing: sample[start..<(start + min(slot.length, slotSize))]),
                          as: UTF8.self)
        }
        return "/" + names.joined(separator: "/")
    }

    /// Reads the process's container from /proc again (it moved to another cgroup). A process
    /// that is already gone keeps the container it had.
    private func lookUpContainerAgain(pid: Int32, at timestamp: UInt64) {
        guard let cgroupFile = ProcFS.readText("/proc/\(pid)/cgroup") else { return }
        changeContainer(pid: pid, to: ContainerID.parse(cgroupFile: cgroupFile), at: timestamp)
    }

    private func changeContainer(pid: Int32, to container: String?, at timestamp: UInt64) {
        guard container != containers[pid] else { return }
        containers[pid] = container
        emit(.containerChanged(timestamp: timestamp, pid: pid, container: container))
    }
}
