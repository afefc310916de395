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
    /// The process tree attribution walks up; the engine keeps it current.
    var processes = ProcessTable()
    /// Instances in opening order, for timeouts and eviction (oldest first). Closed instances
    /// are skipped lazily and compacted away when they dominate.
    private var byAge: [SpanInstance] = []
    private var byAgeHead = 0
    private(set) var openCount = 0
    private var nextSequence: UInt64 = 1
    let session: UInt32
    /// Trace and span ids for spans that declare none.
    let traceIDs: TraceIDGenerator

    init(session: UInt32, traceIDs: TraceIDGenerator) {
        self.session = session
        self.traceIDs = traceIDs
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
                       declaredTrace: TraceContext.Declared?, at timestamp: UInt64) -> SpanInstance {
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
            survivesOwner: survives, parent: parent, process: processes.identity(of: pid), pid: pid, tid: tid,
            start: timestamp, owner: owner,
            trace: traceIDs.context(sequence: uid.sequence, declared: declaredTrace, parent: parent?.trace))
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
