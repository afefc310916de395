/// Who a span instance belongs to: it encloses the owner's lines, and is abandoned when the
/// owner ends (for `t`, `p` and `pp` spans).
enum SpanOwner: Hashable, SpanIndexKey {
    case thread(Int32)
    case process(Int32)

    var indexWord: UInt64 {
        switch self {
        case .thread(let tid): UInt64(UInt32(bitPattern: tid))
        case .process(let pid): UInt64(UInt32(bitPattern: pid)) | 1 << 32
        }
    }
}

/// The matching key of a span: resolved id and exact tag list. Args are not part of it. The
/// tag list's hash is computed once, when the tags are interned: a key is hashed several times
/// per span (open, close, and the index upkeep of each), and hashing strings is most of it.
struct SpanKey: SpanIndexKey {
    var id: Int64
    var tags: [String]
    var tagsHash: UInt32

    var indexWord: UInt64 { UInt64(bitPattern: id) ^ UInt64(tagsHash) &* 0x9E37_79B9_7F4A_7C15 }

    static func == (lhs: SpanKey, rhs: SpanKey) -> Bool {
        lhs.id == rhs.id && lhs.tagsHash == rhs.tagsHash && lhs.tags == rhs.tags
    }
}

/// A neighbour in one of the tracker's lists, held without a reference count: the age queue
/// keeps every open instance alive, and an instance leaves its lists when it closes.
typealias SpanLink = Unmanaged<SpanInstance>

/// One open (or just closed) span. A class because lines, children and the tracker's indexes
/// all refer to the same instance while it is open. Kept small — a million of them may be open —
/// and linked into two lists (its key's and its owner's), so that closing any one of them,
/// the oldest included, is constant time.
final class SpanInstance {
    let sequence: UInt64
    let id: Int64
    let start: UInt64
    let tags: [String]
    let enterArgs: MarkerArgs
    let parent: SpanInstance?
    /// The writing process's command and container when the span was entered: the span record
    /// shows them even after the process exited (a `pp` span written by `/bin/echo`).
    let process: ProcessIdentity?
    /// Neighbours in the list of open instances with the same key, and in the list of the
    /// owner's open instances, both in opening order. Unowned: the tracker's age queue keeps
    /// every open instance alive, and an instance leaves both lists when it closes.
    var previousWithKey: SpanLink?
    var nextWithKey: SpanLink?
    var previousOfOwner: SpanLink?
    var nextOfOwner: SpanLink?
    let pid: Int32
    let tid: Int32
    /// Number of enclosing spans (walking up would cost the depth, and unclosed spans nest deep).
    let depth: Int32
    /// Of the tag list, for its key (four bytes: the object stays in its malloc size class).
    let tagsHash: UInt32
    /// Lines and their bytes per stream (saturating at 4 GiB): four bytes each keep a million
    /// open spans small.
    var stdoutLines: UInt32 = 0, stderrLines: UInt32 = 0, fileLines: UInt32 = 0
    var stdoutBytes: UInt32 = 0, stderrBytes: UInt32 = 0, fileBytes: UInt32 = 0
    var owner: SpanOwner?
    /// Numeric and global spans can be closed by anyone, so they outlive their writer.
    let survivesOwner: Bool
    var isOpen = true

    init(sequence: UInt64, id: Int64, tags: [String], tagsHash: UInt32, enterArgs: MarkerArgs,
         survivesOwner: Bool, parent: SpanInstance?, process: ProcessIdentity?, pid: Int32, tid: Int32, start: UInt64,
         owner: SpanOwner?) {
        self.sequence = sequence
        self.process = process
        self.depth = parent.map { $0.depth + 1 } ?? 0
        self.id = id
        self.tags = tags
        self.tagsHash = tagsHash
        self.enterArgs = enterArgs
        self.survivesOwner = survivesOwner
        self.parent = parent
        self.pid = pid
        self.tid = tid
        self.start = start
        self.owner = owner
    }

    var key: SpanKey { SpanKey(id: id, tags: tags, tagsHash: tagsHash) }

    var lines: Int { Int(stdoutLines) + Int(stderrLines) + Int(fileLines) }

    func count(lineOf bytes: Int, on stream: LogStream) {
        let size = UInt32(clamping: bytes)
        func add(_ total: inout UInt32) {
            let (sum, overflow) = total.addingReportingOverflow(size)
            total = overflow ? .max : sum
        }
        switch stream {
        case .stdout:
            stdoutLines &+= 1
            add(&stdoutBytes)
        case .stderr:
            stderrLines &+= 1
            add(&stderrBytes)
        case .file:
            fileLines &+= 1
            add(&fileBytes)
        }
    }

    var streamCounts: SpanIO {
        var io = SpanIO()
        io.stdoutLines = Int(stdoutLines)
        io.stdoutBytes = Int(stdoutBytes)
        io.stderrLines = Int(stderrLines)
        io.stderrBytes = Int(stderrBytes)
        io.fileLines = Int(fileLines)
        io.fileBytes = Int(fileBytes)
        return io
    }

    /// What records carry of the span; built when asked rather than stored twice. The session
    /// is the tracker's, the same for every instance.
    func summary(session: UInt32) -> SpanSummary {
        SpanSummary(uid: SpanUID(session: session, sequence: sequence), id: id, tags: tags,
                    parent: parent.map { SpanUID(session: session, sequence: $0.sequence) }, enterArgs: enterArgs)
    }
}

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

/// Open span instances, their owners, and the process tree that attribution walks.
struct SpanTracker {
    /// The newest open instance of each key, and of each owner.
    private var newestWithKey = SpanIndex<SpanKey>()
    private var newestOfOwner = SpanIndex<SpanOwner>()
    /// How many processes own open spans (`p`/`pp` spans, or spans handed up): most programs
    /// have none, and attribution then skips the process's lookup for every line.
    private var processOwners = 0
    /// What each thread switched to (`=` markers): it decides the thread's lines until the
    /// thread's next enter, exit or switch.
    private var focus: [Int32: Focus] = [:]

    private enum Focus {
        /// Strong: a closed span here is simply skipped.
        case span(SpanInstance)
        /// `=:none:::` — the thread works for no span of its own (an event loop between
        /// requests): its process's spans and its creators' still enclose it.
        case none
    }
    /// Tag lists seen recently, so that spans with the same tags share one array, with their hash.
    private var internedTags: [[String]: (tags: [String], hash: UInt32)] = [:]
    /// Error lines of open spans that have any, by sequence: few spans have errors, and two
    /// counters in every instance would cost every open span 8 bytes (a malloc size class).
    /// `total` includes descendants that ended: each adds its total to its parent's when it
    /// ends, constant time however deep spans nest.
    private var errorCounts: [UInt64: ErrorCount] = [:]

    struct ErrorCount {
        var own = 0
        var total = 0
    }
    private(set) var processes: [Int32: TrackedProcess] = [:]
    /// `identity(of:)`'s last answer; cleared whenever the process table changes.
    private var lastIdentity: (pid: Int32, identity: ProcessIdentity?)?
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
        lastIdentity = nil
        if let old = processes[start.pid], !old.exited {
            // A pid we still think is alive started again: its exit was lost. Forget the old one.
            release(start.pid, force: true)
        }
        processes[start.pid] = TrackedProcess(parentPid: start.parentPid, creatorTid: start.creatorTid,
                                              identity: ProcessIdentity(comm: start.comm, container: start.container))
        processes[start.parentPid]?.liveChildren += 1
    }

    mutating func processExecuted(pid: Int32, comm: String) {
        lastIdentity = nil
        guard let old = processes[pid]?.identity else { return }
        processes[pid]?.identity = ProcessIdentity(comm: comm, container: old.container)
    }

    mutating func processMoved(pid: Int32, container: String?) {
        lastIdentity = nil
        guard let old = processes[pid]?.identity else { return }
        processes[pid]?.identity = ProcessIdentity(comm: old.comm, container: container)
    }

    mutating func comm(of pid: Int32) -> String { identity(of: pid)?.comm ?? "" }

    /// The process's command and container. The last answer is kept: records come in runs from
    /// one process, and each asked the process table again.
    mutating func identity(of pid: Int32) -> ProcessIdentity? {
        if let last = lastIdentity, last.pid == pid { return last.identity }
        let identity = processes[pid]?.identity
        lastIdentity = (pid, identity)
        return identity
    }

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
        lastIdentity = nil
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
    /// Mutating only so that callers pass the tracker in place: a call on a copy copied (and
    /// retained) the whole tracker, for every line.
    mutating func enclosingSpan(pid: Int32, tid: Int32) -> SpanInstance? {
        guard openCount > 0 else { return nil }
        var pid = pid, tid = tid
        for _ in 0..<64 {
            // Most programs never switch: skip the lookup for them (this runs for every line).
            var threadWorksForNone = false
            if !focus.isEmpty, let focused = focus[tid] {
                switch focused {
                case .span(let span) where span.isOpen: return span
                case .span: break
                case .none: threadWorksForNone = true
                }
            }
            // One ordering by enter time across the thread's spans and its process's (a `p` span
            // opened inside a global span handed up to the process encloses the next line).
            let ofThread = threadWorksForNone ? nil : newestOfOwner[.thread(tid)]
            let ofProcess = processOwners > 0 ? newestOfOwner[.process(pid)] : nil
            if let ofThread, let ofProcess { return ofThread.sequence > ofProcess.sequence ? ofThread : ofProcess }
            if let span = ofThread ?? ofProcess { return span }
            guard let process = processes[pid], let creator = process.creatorTid else { return nil }
            pid = process.parentPid
            tid = creator
        }
        return nil
    }

    // MARK: Opening and closing

    mutating func open(marker: consuming Marker, resolvedID: Int64, owner: SpanOwner?, pid: Int32, tid: Int32,
                       at timestamp: UInt64) -> SpanInstance {
        let parent = enclosingSpan(pid: pid, tid: tid)
        let uid = SpanUID(session: session, sequence: nextSequence)
        nextSequence += 1
        let (tags, tagsHash) = marker.tagsHash.map { (marker.tags, $0) } ?? intern(marker.tags)
        let survives: Bool
        switch marker.id {
        case .global, .number: survives = true
        case .thread, .process, .parent, .none: survives = false
        }
        let instance = SpanInstance(
            sequence: uid.sequence, id: resolvedID, tags: tags, tagsHash: tagsHash, enterArgs: marker.args,
            survivesOwner: survives, parent: parent, process: identity(of: pid), pid: pid, tid: tid,
            start: timestamp, owner: owner)
        appendToKey(instance)
        if let owner { insert(instance, into: owner) }
        byAge.append(instance)
        openCount += 1
        return instance
    }

    /// Closes the most recently opened instance with this key (LIFO), or returns nil.
    mutating func closeMostRecent(key: SpanKey) -> SpanInstance? {
        // The key's newest instance is found and replaced by its predecessor in one lookup.
        guard let link = newestWithKey.replaceNewest(forKey: key, by: { $0._withUnsafeGuaranteedRef { $0.previousWithKey } })
        else { return nil }
        let instance = link.takeUnretainedValue()
        instance.previousWithKey?._withUnsafeGuaranteedRef { $0.nextWithKey = nil }
        instance.previousWithKey = nil
        leaveOwnerAndAgeQueue(instance)
        return instance
    }

    /// The rest of closing, once the instance left its key's list.
    private mutating func leaveOwnerAndAgeQueue(_ instance: SpanInstance) {
        instance.isOpen = false
        openCount -= 1
        if let owner = instance.owner { remove(instance, from: owner) }
        dropClosedNewest()
    }

    /// Spans mostly end innermost first, newest in the age queue: they leave it at once, and
    /// the queue needs no compaction pass for them.
    private mutating func dropClosedNewest() {
        while byAge.count > byAgeHead, let newest = byAge.last, !newest.isOpen { byAge.removeLast() }
    }

    mutating func markClosed(_ instance: SpanInstance) {
        guard instance.isOpen else { return }
        removeFromKey(instance)
        leaveOwnerAndAgeQueue(instance)
    }

    /// Instances owned by `owner`, oldest first, removed from it; the caller abandons or
    /// re-homes them.
    mutating func takeOwned(by owner: SpanOwner) -> [SpanInstance] {
        guard let tail = newestOfOwner.removeValue(forKey: owner) else { return [] }
        if case .process = owner { processOwners -= 1 }
        var owned: [SpanInstance] = []
        var cursor: SpanInstance? = tail.takeUnretainedValue()
        while let instance = cursor {
            owned.append(instance)
            cursor = instance.previousOfOwner?.takeUnretainedValue()
            instance.previousOfOwner = nil
            instance.nextOfOwner = nil
        }
        return owned.reversed()
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
        // In place: the open ones move to the front, no array is made and none retained.
        var kept = 0
        for index in byAgeHead..<byAge.count where byAge[index].isOpen {
            byAge.swapAt(kept, index)
            kept += 1
        }
        byAge.removeSubrange(kept...)
        byAgeHead = 0
    }

    /// The open instance with this sequence number: a binary search of the age queue, which is
    /// in opening order, so no per-span index is kept for a query that only rules make.
    func openInstance(sequence: UInt64) -> SpanInstance? {
        guard sequence > 0 else { return nil }
        let index = firstAgeIndex(after: sequence - 1)
        guard index < byAge.count, byAge[index].sequence == sequence, byAge[index].isOpen else { return nil }
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
            if byAge[middle].sequence <= sequence { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Every open instance, oldest first.
    func allOpen() -> [SpanInstance] {
        byAge[byAgeHead...].filter(\.isOpen)
    }

    // MARK: Switches (async code)

    /// Makes the most recent open instance of `id` and `tags` the thread's current span; with
    /// no tags, the most recent open instance of `id` whatever its tags. Nil when none is open.
    mutating func switchFocus(tid: Int32, id: Int64, tags: [String], tagsHash: UInt32? = nil) -> SpanInstance? {
        var found: SpanInstance?
        if !tags.isEmpty {
            found = newestWithKey[key(id: id, tags: tags, tagsHash: tagsHash)]
        } else {
            // Rare (a bare `=:ID::`): a scan of the keys, newest instance of that id.
            newestWithKey.forEach { key, newest in
                if key.id == id, newest.sequence > (found?.sequence ?? 0) { found = newest }
            }
        }
        focus[tid] = found.map { .span($0) }
        return found
    }

    mutating func switchToNone(tid: Int32) {
        focus[tid] = Focus.none
    }

    /// The thread entered or exited a span, or ended: its switch no longer holds.
    mutating func clearFocus(tid: Int32) {
        if !focus.isEmpty { focus[tid] = nil }
    }

    // MARK: Error counts

    mutating func countErrorLine(in instance: SpanInstance) {
        errorCounts[instance.sequence, default: ErrorCount()].own += 1
        errorCounts[instance.sequence, default: ErrorCount()].total += 1
    }

    func errorCount(of instance: SpanInstance) -> ErrorCount {
        errorCounts[instance.sequence] ?? ErrorCount()
    }

    /// The final counts of a span that ends; its total passes to its parent if that is open.
    mutating func takeErrorCount(of instance: SpanInstance) -> ErrorCount {
        guard !errorCounts.isEmpty, let count = errorCounts.removeValue(forKey: instance.sequence) else {
            return ErrorCount()
        }
        if let parent = instance.parent, parent.isOpen {
            errorCounts[parent.sequence, default: ErrorCount()].total += count.total
        }
        return count
    }

    // MARK: Index upkeep

    /// The key of spans with this id and tags (an exit marker's, a switch's).
    mutating func key(id: Int64, tags: [String], tagsHash: UInt32? = nil) -> SpanKey {
        if let tagsHash { return SpanKey(id: id, tags: tags, tagsHash: tagsHash) }
        let (shared, hash) = intern(tags)
        return SpanKey(id: id, tags: shared, tagsHash: hash)
    }

    /// Spans with the same tags share one array (a million open spans of one kind would
    /// otherwise keep a million copies). Bounded: past 4,096 tag lists it starts afresh; the
    /// hash depends on the tags alone, so keys made before and after agree.
    private mutating func intern(_ tags: [String]) -> (tags: [String], hash: UInt32) {
        if let shared = internedTags[tags] { return shared }
        if internedTags.count >= 4096 { internedTags.removeAll(keepingCapacity: true) }
        let entry = (tags: tags, hash: Marker.tagsHash(tags))
        internedTags[tags] = entry
        return entry
    }

    // The list upkeep below goes through `SpanLink`s, unretained: each strong load of a
    // neighbour was a retain and a release, a dozen per span.

    private mutating func appendToKey(_ instance: SpanInstance) {
        let link = SpanLink.passUnretained(instance)
        if let tail = newestWithKey.update(link, forKey: instance.key) {
            tail._withUnsafeGuaranteedRef { $0.nextWithKey = link }
            instance.previousWithKey = tail
        }
    }

    private mutating func removeFromKey(_ instance: SpanInstance) {
        let previous = instance.previousWithKey, next = instance.nextWithKey
        previous?._withUnsafeGuaranteedRef { $0.nextWithKey = next }
        next?._withUnsafeGuaranteedRef { $0.previousWithKey = previous }
        if next == nil {
            let key = instance.key
            if let previous { newestWithKey.update(previous, forKey: key) } else { newestWithKey.removeValue(forKey: key) }
        }
        instance.previousWithKey = nil
        instance.nextWithKey = nil
    }

    /// Keeps each owner's list in opening order, so the tail is the innermost. Opening appends
    /// (the newest is the innermost); only re-homed instances walk back to their place.
    private mutating func insert(_ instance: SpanInstance, into owner: SpanOwner) {
        // The common case, a new innermost span, with one hash of the owner.
        let link = SpanLink.passUnretained(instance)
        guard let tailLink = newestOfOwner.update(link, forKey: owner) else {
            if case .process = owner { processOwners += 1 }
            return
        }
        if tailLink._withUnsafeGuaranteedRef({ $0.sequence }) < instance.sequence {
            tailLink._withUnsafeGuaranteedRef { $0.nextOfOwner = link }
            instance.previousOfOwner = tailLink
            return
        }
        // Re-homed and older than the owner's newest: walk back to its place.
        newestOfOwner.update(tailLink, forKey: owner)
        let tail = tailLink.takeUnretainedValue()
        var after: SpanInstance? = tail
        while let candidate = after, candidate.sequence > instance.sequence {
            after = candidate.previousOfOwner?.takeUnretainedValue()
        }
        guard let after else {
            // Older than every instance of the owner: the new head.
            var head = tail
            while let previous = head.previousOfOwner?.takeUnretainedValue() { head = previous }
            head.previousOfOwner = link
            instance.nextOfOwner = .passUnretained(head)
            return
        }
        instance.previousOfOwner = .passUnretained(after)
        instance.nextOfOwner = after.nextOfOwner
        after.nextOfOwner?._withUnsafeGuaranteedRef { $0.previousOfOwner = link }
        after.nextOfOwner = link
        if after === tail { newestOfOwner.update(link, forKey: owner) }
    }

    private mutating func remove(_ instance: SpanInstance, from owner: SpanOwner) {
        let previous = instance.previousOfOwner, next = instance.nextOfOwner
        previous?._withUnsafeGuaranteedRef { $0.nextOfOwner = next }
        next?._withUnsafeGuaranteedRef { $0.previousOfOwner = previous }
        if next == nil {
            if let previous {
                newestOfOwner.update(previous, forKey: owner)
            } else {
                newestOfOwner.removeValue(forKey: owner)
                if case .process = owner { processOwners -= 1 }
            }
        }
        instance.previousOfOwner = nil
        instance.nextOfOwner = nil
    }
}
