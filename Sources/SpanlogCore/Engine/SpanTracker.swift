/// Who a span instance belongs to: it encloses the owner's lines, and is abandoned when the
/// owner ends (for `t`, `p` and `pp` spans).
enum SpanOwner: Hashable {
    case thread(Int32)
    case process(Int32)
}

/// The matching key of a span: resolved id and exact tag list. Args are not part of it.
struct SpanKey: Hashable {
    var id: Int64
    var tags: [String]
}

/// One open (or just closed) span. A class because lines, children and the tracker's indexes
/// all refer to the same instance while it is open.
final class SpanInstance {
    let summary: SpanSummary
    let key: SpanKey
    let idKind: Marker.ID
    let parent: SpanInstance?
    let depth: Int
    let pid: Int32
    let tid: Int32
    let start: UInt64
    let enterArgs: [(name: String, value: String)]
    var owner: SpanOwner?
    var lines = 0
    var errors = 0
    /// Error lines here and in descendants (counted up the parent chain as they happen).
    var errorsTotal = 0
    var isOpen = true

    init(summary: SpanSummary, key: SpanKey, idKind: Marker.ID, parent: SpanInstance?, pid: Int32, tid: Int32,
         start: UInt64, enterArgs: [(name: String, value: String)], owner: SpanOwner?) {
        self.summary = summary
        self.key = key
        self.idKind = idKind
        self.parent = parent
        self.depth = parent.map { $0.depth + 1 } ?? 0
        self.pid = pid
        self.tid = tid
        self.start = start
        self.enterArgs = enterArgs
        self.owner = owner
    }

    /// Numeric and global spans can be closed by anyone, so they outlive their writer.
    var survivesOwner: Bool {
        switch idKind {
        case .global, .number: true
        case .thread, .process, .parent: false
        }
    }
}

/// What the tracker knows about a traced process, kept while it or a descendant lives so that
/// lines of descendants can walk up to their creators' spans.
struct TrackedProcess {
    var parentPid: Int32
    var creatorTid: Int32?
    var comm: String
    var container: String?
    var exited = false
    var liveChildren = 0
}

/// Open span instances, their owners, and the process tree that attribution walks.
struct SpanTracker {
    private(set) var openByKey: [SpanKey: [SpanInstance]] = [:]
    private var ownedBy: [SpanOwner: [SpanInstance]] = [:]
    private(set) var processes: [Int32: TrackedProcess] = [:]
    /// Instances in opening order, for timeouts and eviction (oldest first). Closed instances
    /// are skipped lazily and compacted away when they dominate.
    private var byAge: [SpanInstance] = []
    private var byAgeHead = 0
    private(set) var openCount = 0
    private var nextSequence: UInt64 = 1
    let session: UInt32

    init(session: UInt32) {
        self.session = session
    }

    // MARK: Processes

    mutating func processStarted(_ start: ProcessStart) {
        if let old = processes[start.pid], !old.exited {
            // A pid we still think is alive started again: its exit was lost. Forget the old one.
            release(start.pid, force: true)
        }
        processes[start.pid] = TrackedProcess(parentPid: start.parentPid, creatorTid: start.creatorTid,
                                              comm: start.comm, container: start.container)
        processes[start.parentPid]?.liveChildren += 1
    }

    mutating func processExecuted(pid: Int32, comm: String) {
        processes[pid]?.comm = comm
    }

    mutating func processMoved(pid: Int32, container: String?) {
        processes[pid]?.container = container
    }

    func comm(of pid: Int32) -> String { processes[pid]?.comm ?? "" }

    func parentPid(of pid: Int32) -> Int32? { processes[pid]?.parentPid }

    /// Marks a process gone; its entry stays while descendants still need the walk up.
    mutating func processExited(_ pid: Int32) {
        guard processes[pid] != nil else { return }
        processes[pid]?.exited = true
        release(pid, force: false)
    }

    /// Forgets `pid` once it has exited and has no live children (or at once when `force`d),
    /// then does the same for ancestors that were only kept for it.
    private mutating func release(_ pid: Int32, force: Bool) {
        guard let process = processes[pid], force || (process.exited && process.liveChildren == 0) else { return }
        processes[pid] = nil
        var parentPid = process.parentPid
        while var parent = processes[parentPid] {
            parent.liveChildren -= 1
            guard parent.exited, parent.liveChildren <= 0 else {
                processes[parentPid] = parent
                return
            }
            processes[parentPid] = nil
            parentPid = parent.parentPid
        }
    }

    // MARK: Attribution

    /// The innermost open span enclosing a write by `tid` of `pid`: the thread's own spans, then
    /// the process's, then the same for the creating thread, up the process tree.
    func enclosingSpan(pid: Int32, tid: Int32) -> SpanInstance? {
        guard openCount > 0 else { return nil }
        var pid = pid, tid = tid
        for _ in 0..<64 {
            if let span = ownedBy[.thread(tid)]?.last { return span }
            if let span = ownedBy[.process(pid)]?.last { return span }
            guard let process = processes[pid], let creator = process.creatorTid else { return nil }
            pid = process.parentPid
            tid = creator
        }
        return nil
    }

    // MARK: Opening and closing

    mutating func open(marker: Marker, resolvedID: Int64, owner: SpanOwner?, pid: Int32, tid: Int32,
                       at timestamp: UInt64) -> SpanInstance {
        let parent = enclosingSpan(pid: pid, tid: tid)
        let uid = SpanUID(session: session, sequence: nextSequence)
        nextSequence += 1
        let key = SpanKey(id: resolvedID, tags: marker.tags)
        let instance = SpanInstance(
            summary: SpanSummary(uid: uid, id: resolvedID, tags: marker.tags, parent: parent?.summary.uid,
                                 enterArgs: marker.args), key: key, idKind: marker.id,
            parent: parent, pid: pid, tid: tid, start: timestamp, enterArgs: marker.args, owner: owner)
        openByKey[key, default: []].append(instance)
        if let owner { insert(instance, into: owner) }
        byAge.append(instance)
        openCount += 1
        return instance
    }

    /// Closes the most recently opened instance with this key (LIFO), or returns nil.
    mutating func closeMostRecent(key: SpanKey) -> SpanInstance? {
        guard let instance = openByKey[key]?.last else { return nil }
        markClosed(instance)
        return instance
    }

    mutating func markClosed(_ instance: SpanInstance) {
        guard instance.isOpen else { return }
        instance.isOpen = false
        openCount -= 1
        remove(instance, fromKey: instance.key)
        if let owner = instance.owner { remove(instance, from: owner) }
    }

    /// Instances owned by `owner`, removed from it; the caller abandons or re-homes them.
    mutating func takeOwned(by owner: SpanOwner) -> [SpanInstance] {
        ownedBy.removeValue(forKey: owner) ?? []
    }

    mutating func transfer(_ instances: [SpanInstance], to owner: SpanOwner?) {
        for instance in instances {
            instance.owner = owner
            if let owner { insert(instance, into: owner) }
        }
    }

    /// The oldest open instance, if it started at or before `cutoff` (nil cutoff: any age).
    mutating func oldestOpen(startedAtOrBefore cutoff: UInt64?) -> SpanInstance? {
        while byAgeHead < byAge.count {
            let candidate = byAge[byAgeHead]
            if candidate.isOpen {
                if let cutoff, candidate.start > cutoff { return nil }
                return candidate
            }
            byAgeHead += 1
        }
        return nil
    }

    /// Drops closed instances from the age queue once they outnumber the open ones.
    mutating func compactAgeQueue() {
        let queued = byAge.count - byAgeHead
        guard queued > 4096, queued > 2 * openCount else { return }
        byAge = byAge[byAgeHead...].filter(\.isOpen)
        byAgeHead = 0
    }

    /// The open instance with this sequence number: a binary search of the age queue, which is
    /// in opening order, so no per-span index is kept for a query that only rules make.
    func openInstance(sequence: UInt64) -> SpanInstance? {
        guard sequence > 0 else { return nil }
        let index = firstAgeIndex(after: sequence - 1)
        guard index < byAge.count, byAge[index].summary.uid.sequence == sequence, byAge[index].isOpen else { return nil }
        return byAge[index]
    }

    /// Open instances opened after `sequence` and started at or before `cutoff`, oldest first.
    func openInstances(after sequence: UInt64, startedAtOrBefore cutoff: UInt64, limit: Int) -> [SpanInstance] {
        var found: [SpanInstance] = []
        var index = firstAgeIndex(after: sequence)
        while index < byAge.count, found.count < limit, byAge[index].start <= cutoff {
            if byAge[index].isOpen { found.append(byAge[index]) }
            index += 1
        }
        return found
    }

    private func firstAgeIndex(after sequence: UInt64) -> Int {
        var low = byAgeHead, high = byAge.count
        while low < high {
            let middle = (low + high) / 2
            if byAge[middle].summary.uid.sequence <= sequence { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Every open instance, oldest first.
    func allOpen() -> [SpanInstance] {
        byAge[byAgeHead...].filter(\.isOpen)
    }

    // MARK: Index upkeep

    /// Keeps each owner's list in opening order, so `.last` is the innermost. Opening appends
    /// (the newest is the innermost); only re-homed instances need the walk back.
    private mutating func insert(_ instance: SpanInstance, into owner: SpanOwner) {
        let sequence = instance.summary.uid.sequence
        ownedBy[owner, default: []].insertInOpeningOrder(instance, sequence: sequence)
    }

    private mutating func remove(_ instance: SpanInstance, from owner: SpanOwner) {
        guard let index = ownedBy.index(forKey: owner) else { return }
        if ownedBy.values[index].removeInstance(instance) { ownedBy.remove(at: index) }
    }

    private mutating func remove(_ instance: SpanInstance, fromKey key: SpanKey) {
        guard let index = openByKey.index(forKey: key) else { return }
        if openByKey.values[index].removeInstance(instance) { openByKey.remove(at: index) }
    }
}

extension [SpanInstance] {
    fileprivate mutating func insertInOpeningOrder(_ instance: SpanInstance, sequence: UInt64) {
        var position = endIndex
        while position > startIndex, self[position - 1].summary.uid.sequence > sequence { position -= 1 }
        insert(instance, at: position)
    }

    /// Removes `instance` (usually the last: spans close LIFO); returns whether the list is empty.
    fileprivate mutating func removeInstance(_ instance: SpanInstance) -> Bool {
        if last === instance {
            removeLast()
        } else if let index = lastIndex(where: { $0 === instance }) {
            remove(at: index)
        }
        return isEmpty
    }
}
