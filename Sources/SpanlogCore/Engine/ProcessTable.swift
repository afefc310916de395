/// A process's command name and container, shared by the spans it enters. Replaced, never
/// changed, when the process execs or moves, so each span keeps what was true at its enter.
final class ProcessIdentity {
    let comm: String
    let container: String?

    init(comm: String, container: String?) {
        self.comm = comm
        self.container = container
    }
}

/// What the tracker knows about a traced process, kept while it or a descendant lives so that
/// lines of descendants can walk up to their creators' spans.
struct TrackedProcess {
    var parentPid: Int32
    var creatorTid: Int32?
    var identity: ProcessIdentity
    var exited = false
    var liveChildren = 0

    var comm: String { identity.comm }
    var container: String? { identity.container }
}

/// The traced processes the engine has seen start: their parents, creating threads and
/// identities, kept while a process or a descendant lives so that lines of descendants can walk
/// up to their creators' spans.
struct ProcessTable {
    private var entries: [Int32: TrackedProcess] = [:]
    /// `identity(of:)`'s last answer; cleared whenever the table changes.
    private var lastIdentity: (pid: Int32, identity: ProcessIdentity?)?

    subscript(pid: Int32) -> TrackedProcess? { entries[pid] }

    mutating func started(_ start: ProcessStart) {
        lastIdentity = nil
        if let old = entries[start.pid], !old.exited {
            // A pid we still think is alive started again: its exit was lost. Forget the old one.
            release(start.pid, force: true)
        }
        entries[start.pid] = TrackedProcess(parentPid: start.parentPid, creatorTid: start.creatorTid,
                                              identity: ProcessIdentity(comm: start.comm, container: start.container))
        entries[start.parentPid]?.liveChildren += 1
    }

    mutating func executed(pid: Int32, comm: String) {
        lastIdentity = nil
        guard let old = entries[pid]?.identity else { return }
        entries[pid]?.identity = ProcessIdentity(comm: comm, container: old.container)
    }

    mutating func moved(pid: Int32, container: String?) {
        lastIdentity = nil
        guard let old = entries[pid]?.identity else { return }
        entries[pid]?.identity = ProcessIdentity(comm: old.comm, container: container)
    }

    mutating func comm(of pid: Int32) -> String { identity(of: pid)?.comm ?? "" }

    /// The process's command and container. The last answer is kept: records come in runs from
    /// one process, and each asked the process table again.
    mutating func identity(of pid: Int32) -> ProcessIdentity? {
        if let last = lastIdentity, last.pid == pid { return last.identity }
        let identity = entries[pid]?.identity
        lastIdentity = (pid, identity)
        return identity
    }

    func parentPid(of pid: Int32) -> Int32? { entries[pid]?.parentPid }

    /// Marks a process gone; its entry stays while descendants still need the walk up.
    mutating func exited(_ pid: Int32) {
        guard entries[pid] != nil else { return }
        entries[pid]?.exited = true
        release(pid, force: false)
    }

    /// Forgets `pid` once it has exited and has no live children (or at once when `force`d),
    /// then does the same for ancestors that were only kept for it.
    private mutating func release(_ pid: Int32, force: Bool) {
        guard let process = entries[pid], force || (process.exited && process.liveChildren == 0) else { return }
        lastIdentity = nil
        entries[pid] = nil
        var parentPid = process.parentPid
        while var parent = entries[parentPid] {
            parent.liveChildren -= 1
            guard parent.exited, parent.liveChildren <= 0 else {
                entries[parentPid] = parent
                return
            }
            entries[parentPid] = nil
            parentPid = parent.parentPid
        }
    }
}
