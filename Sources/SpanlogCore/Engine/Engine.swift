/// Settings that change what the engine reports, not how it reads events.
public struct EngineConfiguration: Sendable {
    /// The defaults of `--max-line-bytes` and `--max-open-spans` (and of the service's keys).
    public static let defaultMaxLineBytes = 16 * 1024
    public static let defaultMaxOpenSpans = 1_000_000

    /// Added to a monotonic event timestamp to get wall-clock nanoseconds since the epoch.
    public var monotonicToWallOffset: Int64
    /// Session number used in span uids (kept in capture headers so a replay gives the same uids).
    public var session: UInt32
    public var maxLineBytes = defaultMaxLineBytes
    /// Close spans open longer than this many nanoseconds, ending them as `timeout`.
    public var spanTimeout: UInt64?
    public var maxOpenSpans = defaultMaxOpenSpans
    /// Emit a warning record for each marker error (they are always counted).
    public var reportMarkerErrors = true
    /// Show a line that has waited this long for its end (monotonic nanoseconds) to the
    /// outputs that show such lines; nil: none do.
    public var partialLinePreviewDelay: UInt64?

    public init(monotonicToWallOffset: Int64, session: UInt32) {
        self.monotonicToWallOffset = monotonicToWallOffset
        self.session = session
    }
}

/// Turns raw events into records: markers into spans, writes into lines attached to their
/// enclosing span. Single-threaded: feed it from one thread.
public final class Engine {
    public let configuration: EngineConfiguration
    public private(set) var stats = EngineStats()
    /// Every output; a concrete class, so the per-line call is direct.
    public let outputs: RecordFanout
    private var tracker: SpanTracker
    private var lines: LineAssembler
    private var traces: StackTraceJoiner
    private var markers = MarkerAssembler()
    private var hints = MistakeHints()
    /// Told of each marker slip the engine recognises (once per kind), beside its warning record.
    public var onLikelyMistake: ((String) -> Void)?
    /// `--span-io`: each thread's latest I/O counters, and the entering thread's counters of open
    /// spans (by sequence), so a span exited by the thread that entered it gets the difference.
    private var threadIO: [Int32: ThreadIO] = [:]
    private var ioAtEnter: [UInt64: ThreadIO] = [:]
    private var lastTimestamp: UInt64 = 0
    /// `--span-timeout`: no open span times out before this (it may be earlier than any real deadline).
    private var timeoutDeadline: UInt64 = .max
    /// The span whose end is being recorded: its held and unfinished lines still go out as lines
    /// of an open span, so line rules see them like any other.
    private var ending: SpanInstance?
    private var stopped = false

    public init(configuration: EngineConfiguration, outputs: RecordFanout) {
        self.configuration = configuration
        self.outputs = outputs
        self.tracker = SpanTracker(session: configuration.session, traceIDs: TraceIDGenerator(
            session: configuration.session, monotonicToWallOffset: configuration.monotonicToWallOffset))
        self.lines = LineAssembler(maxLineBytes: configuration.maxLineBytes)
        self.traces = StackTraceJoiner(maxBytes: configuration.maxLineBytes)
        for processor in outputs.processors { processor.attach(to: self) }
    }

    /// An engine with one output.
    public convenience init(configuration: EngineConfiguration, sink: RecordSink) {
        self.init(configuration: configuration, outputs: RecordFanout(channels: [OutputChannel(name: "records", sink: sink)]))
    }

    public func process(_ event: RawEvent) {
        guard !stopped else { return }
        stats.events += 1
        let timestamp = event.timestamp
        if timestamp > lastTimestamp { lastTimestamp = timestamp }
        if timestamp > timeoutDeadline { expireTimedOutSpans(before: timestamp) }
        if lastTimestamp > traces.earliestDeadline { traces.expire(before: lastTimestamp, emit: emitLine) }

        switch event {
        case .write(let write):
            stats.writes += 1
            if write.target == .devNull {
                handleMarkerWrite(write)
            } else {
                handleLogWrite(write)
            }
        case .processStart(let start):
            tracker.processes.started(start)
        case .exec(_, let pid, let comm):
            tracker.processes.executed(pid: pid, comm: comm)
        case .containerChanged(_, let pid, let container):
            tracker.processes.moved(pid: pid, container: container)
        case .exit(let timestamp, let pid, let tid, let processExited):
            handleExit(pid: pid, tid: tid, processExited: processExited, at: timestamp)
        case .lost(let timestamp, let count):
            stats.lostEvents += count
            emitWarning(.lostEvents, at: timestamp,
                        message: "the kernel dropped \(Wording.count(count, "event")) (ring buffer full); lines or markers are missing",
                        details: [("count", .integer(Int64(clamping: count)))])
        case .skipped(_, let counts):
            stats.skipped.treePipeWrites &+= counts.treePipeWrites
            stats.skipped.treePipeBytes &+= counts.treePipeBytes
            stats.skipped.otherFileWrites &+= counts.otherFileWrites
            stats.skipped.otherFileBytes &+= counts.otherFileBytes
        case .threadIO(_, let tid, let io):
            threadIO[tid] = io
        case .stop(let timestamp):
            stop(at: timestamp)
        }
    }

    /// Flushes partial lines and unfinished markers, reports still-open spans with end reason
    /// `still_open`, and emits the final stats record. Further events are ignored.
    public func stop(at timestamp: UInt64) {
        guard !stopped else { return }
        lastTimestamp = max(lastTimestamp, timestamp)
        lines.flushAll(emit: lineAssembled)
        traces.flushAll(emit: emitLine)
        markers.flushAll { handleMarkerOutcome($0, pid: 0, tid: 0, at: timestamp) }
        let openAtStop = tracker.openCount
        for instance in tracker.allOpen().reversed() { close(instance, endReason: .open, at: timestamp) }
        stats.openSpans = openAtStop
        outputs.emit(.stats(StatsRecord(timestamp: wallClock(timestamp), stats: stats)))
        stopped = true
        outputs.finish()
    }

    /// Hands buffered records to the output; call when no events are waiting. `now` (the
    /// monotonic clock, live sessions only, no later than the newest event that may still be on
    /// its way) closes spans past `--span-timeout` and releases stack traces no continuation
    /// came for. A replay does the same when its next event is later than those deadlines, and
    /// the records are stamped with the deadlines, not `now`, so both give the same records.
    public func flush(now: UInt64? = nil) {
        if let now, !stopped {
            if now > timeoutDeadline { expireTimedOutSpans(before: now) }
            if now > traces.earliestDeadline { traces.expire(before: now, emit: emitLine) }
            if let delay = configuration.partialLinePreviewDelay, now > delay { previewPartialLines(begunBy: now - delay) }
        }
        outputs.flush()
    }

    /// Lines still waiting for their end after the preview delay go to the outputs that show
    /// such lines (a prompt on a terminal); they stay partial here until their end comes.
    private func previewPartialLines(begunBy cutoff: UInt64) {
        lines.previews(begunBy: cutoff) { pid, tid, target, path, timestamp, text, shownBefore, span in
            outputs.preview(LinePreview(
                timestamp: wallClock(timestamp), pid: pid, tid: tid, comm: tracker.processes.comm(of: pid),
                stream: Self.stream(of: target), path: path, text: text, shownBefore: shownBefore,
                span: span.map { $0.summary(session: configuration.session) }))
        }
    }

    // MARK: Writes

    private func handleLogWrite(_ write: WriteEvent) {
        let pid = write.pid, tid = write.tid
        lines.feed(pid: pid, tid: tid, target: write.target, path: write.path, timestamp: write.timestamp,
                   bytes: write.bytes, span: { self.tracker.enclosingSpan(pid: pid, tid: tid) }, emit: lineAssembled)
        if write.isTruncated {
            // The bytes we could not capture may hold line ends: end the partial line here so
            // the next write starts clean, and say so.
            lines.flush(pid: write.pid, target: write.target, truncated: true, emit: lineAssembled)
            stats.truncatedWrites += 1
            stats.uncapturedBytes += write.writtenLength - write.bytes.count
            emitWarning(.truncatedWrite, at: write.timestamp,
                        message: "write of \(write.writtenLength) bytes captured in part (\(write.bytes.count) bytes)",
                        pid: write.pid, tid: write.tid,
                        details: [("fd", .integer(Int64(write.fd))),
                                  ("written", .integer(Int64(write.writtenLength))),
                                  ("captured", .integer(Int64(write.bytes.count)))])
        }
    }

    private func lineAssembled(_ line: AssembledLine) {
        traces.accept(line, level: LevelDetector.detect(line.text), emit: emitLine)
    }

    private func emitLine(_ line: AssembledLine, level: LogLevel?) {
        stats.lines += 1
        if line.truncated { stats.truncatedLines += 1 }
        let stream = Self.stream(of: line.target)
        if let span = line.span, !line.counted { count(level, stream: stream, bytes: line.text.count, in: span) }
        let process = tracker.processes.identity(of: line.pid)
        let record = LineRecord(
            timestamp: wallClock(line.timestamp), pid: line.pid, tid: line.tid, comm: process?.comm ?? "",
            stream: stream, path: line.path, text: line.text, level: level, truncated: line.truncated,
            span: line.span?.summary(session: configuration.session), container: process?.container)
        outputs.emit(.line(record))
    }

    private func count(_ level: LogLevel?, stream: LogStream, bytes: Int, in span: SpanInstance) {
        span.count(lineOf: bytes, on: stream)
        if let level, level >= .error { tracker.countErrorLine(in: span) }
    }

    private static func stream(of target: WriteTarget) -> LogStream {
        switch target {
        case .stderr: .stderr
        case .file: .file
        case .stdout, .devNull: .stdout
        }
    }

    // MARK: Markers

    private func handleMarkerWrite(_ write: WriteEvent) {
        // The closure takes the three fields, not the event: capturing it copied it per marker.
        let pid = write.pid, tid = write.tid, timestamp = write.timestamp
        // A held error line of this thread was written before the marker: out it goes first,
        // so a thread's records keep the order it wrote them in.
        traces.release(tid: tid, emit: emitLine)
        markers.feed(tid: tid, bytes: write.bytes) { handleMarkerOutcome($0, pid: pid, tid: tid, at: timestamp) }
        if write.isTruncated {
            // Markers past the captured bytes are lost: never silently. The partial last
            // marker is ended here so the next write starts clean.
            markers.threadExited(write.tid) { handleMarkerOutcome($0, pid: write.pid, tid: write.tid, at: write.timestamp) }
            stats.truncatedWrites += 1
            stats.uncapturedBytes += write.writtenLength - write.bytes.count
            emitWarning(.truncatedWrite, at: write.timestamp,
                        message: "write of \(write.writtenLength) bytes to /dev/null read in part (\(write.bytes.count) bytes): markers after that are lost",
                        pid: write.pid, tid: write.tid,
                        details: [("fd", .integer(Int64(write.fd))), ("written", .integer(Int64(write.writtenLength))),
                                  ("captured", .integer(Int64(write.bytes.count)))])
        }
    }

    /// Consuming all the way to the span: the marker's tags and arguments are moved into it, not
    /// retained once more and released.
    private func handleMarkerOutcome(_ outcome: consuming MarkerLineOutcome, pid: Int32, tid: Int32, at timestamp: UInt64) {
        switch consume outcome {
        case .marker(let marker):
            stats.markers += 1
            apply(marker, pid: pid, tid: tid, at: timestamp)
        case .discarded:
            stats.discardedLines += 1
        case .error(let error, let text):
            stats.markerErrors += 1
            guard configuration.reportMarkerErrors else { return }
            emitWarning(.markerError, at: timestamp, message: error.message, pid: pid, tid: tid,
                        details: [("marker", .string(String(decoding: text, as: UTF8.self))),
                                  ("column", .integer(Int64(error.column)))])
        }
    }

    private func apply(_ marker: consuming Marker, pid: Int32, tid: Int32, at timestamp: UInt64) {
        let resolvedID: Int64
        let owner: SpanOwner?
        switch marker.id {
        case .thread:
            resolvedID = Int64(tid)
            owner = .thread(tid)
        case .process:
            resolvedID = Int64(pid)
            owner = .process(pid)
        case .parent:
            let parent = tracker.processes.parentPid(of: pid) ?? 0
            resolvedID = Int64(parent)
            owner = .process(parent)
        case .global:
            resolvedID = 0
            owner = .thread(tid)
        case .number(let value):
            resolvedID = value
            owner = .thread(tid)
        case .none:
            // Parsers accept `none` only in switches.
            tracker.switchToNone(tid: tid)
            return
        }

        switch marker.direction {
        case .enter:
            // The parent is found while a switch still holds; the new span then encloses the
            // thread's lines by itself.
            var declaredTrace: TraceContext.Declared?
            switch TraceContext.declared(in: marker.args) {
            case .success(let declared)?:
                declaredTrace = declared
            case .failure(let error)?:
                // The span is still entered, in the enclosing span's trace or a new one.
                stats.traceContextErrors += 1
                emitWarning(.traceContextError, at: timestamp, message: error.message, pid: pid, tid: tid,
                            details: [("tags", .string(marker.tags.joined(separator: ".")))])
            case nil:
                break
            }
            let instance = tracker.open(marker: marker, resolvedID: resolvedID, owner: owner, pid: pid, tid: tid,
                                        declaredTrace: declaredTrace, at: timestamp)
            if !threadIO.isEmpty, let io = threadIO[tid] { ioAtEnter[instance.sequence] = io }
            tracker.clearFocus(tid: tid)
            stats.spansStarted += 1
            if let timeout = configuration.spanTimeout, timeoutDeadline == .max {
                timeoutDeadline = Self.deadline(timestamp, after: timeout)
            }
            while tracker.openCount > configuration.maxOpenSpans, let oldest = tracker.oldestOpen(startedAtOrBefore: nil) {
                stats.evictedSpans += 1
                close(oldest, endReason: .evicted, at: timestamp)
            }
        case .switchTo:
            if tracker.switchFocus(tid: tid, id: resolvedID, tags: marker.tags, tagsHash: marker.tagsHash) == nil {
                stats.unmatchedSwitches += 1
                let tags = marker.tags.joined(separator: ".")
                emitWarning(.unmatchedSwitch, at: timestamp,
                            message: "switch to span '\(tags)' id \(resolvedID) with no open span of that key",
                            pid: pid, tid: tid,
                            details: [("id", .integer(resolvedID)), ("tags", .string(tags))])
            }
        case .exit:
            tracker.clearFocus(tid: tid)
            let key = tracker.key(id: resolvedID, tags: marker.tags, tagsHash: marker.tagsHash)
            if let instance = tracker.closeMostRecent(key: key) {
                finishClosed(instance, endReason: .exitMarker, exitArgs: marker.args, closedBy: tid, at: timestamp)
                if let (mistake, message) = hints.closedByExitMarker(instance, closer: tid, at: timestamp) {
                    emitHint(mistake, message, instance, at: timestamp)
                }
            } else {
                stats.unmatchedExits += 1
                let tags = marker.tags.joined(separator: ".")
                emitWarning(.unmatchedExit, at: timestamp,
                            message: "exit of span '\(tags)' id \(resolvedID) with no open span to close",
                            pid: pid, tid: tid,
                            details: [("id", .integer(resolvedID)), ("tags", .string(tags))])
            }
        }
    }

    // MARK: Exits, timeouts

    private func handleExit(pid: Int32, tid: Int32, processExited: Bool, at timestamp: UInt64) {
        markers.threadExited(tid) { handleMarkerOutcome($0, pid: pid, tid: tid, at: timestamp) }
        if !threadIO.isEmpty { threadIO[tid] = nil }
        let heir: SpanOwner? = processExited ? creatorOwner(of: pid) : .process(pid)
        tracker.clearFocus(tid: tid)
        settle(tracker.takeOwned(by: .thread(tid)), heir: heir, at: timestamp)
        guard processExited else { return }
        lines.flush(pid: pid, emit: lineAssembled)
        traces.flush(pid: pid, emit: emitLine)
        settle(tracker.takeOwned(by: .process(pid)), heir: heir, at: timestamp)
        tracker.processes.exited(pid)
    }

    private func creatorOwner(of pid: Int32) -> SpanOwner? {
        tracker.processes[pid]?.creatorTid.map { .thread($0) }
    }

    /// Spans whose owner ended: `t`/`p`/`pp` ones are abandoned, numeric and global ones pass to
    /// `heir` (the process, then the thread that created it) and stay open.
    private func settle(_ instances: [SpanInstance], heir: SpanOwner?, at timestamp: UInt64) {
        guard !instances.isEmpty else { return }
        var survivors: [SpanInstance] = []
        for instance in instances.reversed() {
            if instance.survivesOwner {
                survivors.append(instance)
            } else {
                instance.owner = nil
                stats.abandonedSpans += 1
                close(instance, endReason: .abandoned, at: timestamp)
                let parentIsTraced = { self.tracker.processes.parentPid(of: instance.pid).map { self.tracker.processes[$0] != nil } ?? false }
                if let (mistake, message) = hints.abandoned(instance, parentIsTraced: parentIsTraced, at: timestamp) {
                    emitHint(mistake, message, instance, at: timestamp)
                }
            }
        }
        tracker.transfer(survivors.reversed(), to: heir)
    }

    /// Closes the spans whose timeout passed before `now`, each at its own deadline: the time it
    /// timed out, whether an event or the clock noticed.
    private func expireTimedOutSpans(before now: UInt64) {
        guard let timeout = configuration.spanTimeout else { return }
        if now > timeout {
            while let oldest = tracker.oldestOpen(startedAtOrBefore: now - timeout - 1) {
                stats.timedOutSpans += 1
                close(oldest, endReason: .timeout, at: Self.deadline(oldest.start, after: timeout))
            }
            tracker.compactAgeQueue()
        }
        timeoutDeadline = tracker.oldestOpen(startedAtOrBefore: nil).map { Self.deadline($0.start, after: timeout) } ?? .max
    }

    /// Saturating: a capture's timestamps can be anything, up to the end of the range.
    private static func deadline(_ start: UInt64, after timeout: UInt64) -> UInt64 {
        let (deadline, overflow) = start.addingReportingOverflow(timeout)
        return overflow ? .max : deadline
    }

    // MARK: Records

    private func close(_ instance: SpanInstance, endReason: SpanEndReason, at timestamp: UInt64) {
        tracker.markClosed(instance)
        finishClosed(instance, endReason: endReason, exitArgs: [], at: timestamp)
    }

    private func finishClosed(_ instance: SpanInstance, endReason: SpanEndReason, exitArgs: MarkerArgs,
                              closedBy closer: Int32? = nil, at timestamp: UInt64) {
        ending = instance
        traces.flush(spanEnding: instance, emit: emitLine)
        ending = nil
        // Lines that started inside the span and have not ended yet still count in it.
        lines.countUnfinished(in: instance) { count($0, stream: Self.stream(of: $1), bytes: $2, in: instance) }
        let errors = tracker.takeErrorCount(of: instance)
        stats.spansEnded += 1
        if endReason == .exitMarker { tracker.compactAgeQueue() }
        var record = spanRecord(instance, endReason: endReason, exitArgs: exitArgs, errors: errors, at: timestamp)
        if !ioAtEnter.isEmpty, let atEnter = ioAtEnter.removeValue(forKey: instance.sequence), closer == instance.tid,
           let atExit = threadIO[instance.tid] {
            record.io.syscalls = atExit.since(atEnter)
        }
        outputs.emit(.span(record))
    }

    private func spanRecord(_ instance: SpanInstance, endReason: SpanEndReason, exitArgs: MarkerArgs,
                            errors: SpanTracker.ErrorCount, at timestamp: UInt64) -> SpanRecord {
        var record = SpanRecord(
            summary: instance.summary(session: configuration.session),
            parent: instance.parent.map { SpanUID(session: configuration.session, sequence: $0.sequence) },
            depth: Int(instance.depth),
            pid: instance.pid, tid: instance.tid, comm: instance.process?.comm ?? "",
            start: wallClock(instance.start), end: wallClock(max(timestamp, instance.start)),
            enterArgs: instance.enterArgs, exitArgs: exitArgs, lines: instance.lines, errors: errors.own,
            errorsTotal: errors.total, endReason: endReason, container: instance.process?.container,
            parentIsOpen: instance.parent?.isOpen ?? false)
        record.io = instance.streamCounts
        return record
    }

    private func emitHint(_ mistake: MistakeHints.Mistake, _ message: String, _ instance: SpanInstance, at timestamp: UInt64) {
        onLikelyMistake?(message)
        emitWarning(.likelyMistake, at: timestamp, message: message, pid: instance.pid, tid: instance.tid,
                    details: [("mistake", .string(mistake.rawValue)), ("tags", .string(instance.tags.joined(separator: ".")))])
    }

    private func emitWarning(_ kind: WarningRecord.Kind, at timestamp: UInt64, message: String, pid: Int32? = nil,
                             tid: Int32? = nil, details: [(name: String, value: WarningRecord.DetailValue)] = []) {
        outputs.emit(.warning(WarningRecord(timestamp: wallClock(timestamp), kind: kind, message: message, pid: pid,
                                         tid: tid, details: details)))
    }

    private func wallClock(_ monotonic: UInt64) -> Int64 {
        Int64(bitPattern: monotonic) &+ configuration.monotonicToWallOffset
    }
}

extension Engine: OpenSpanQuery {
    public func openSpan(_ uid: SpanUID, now: Int64) -> SpanRecord? {
        guard uid.session == configuration.session,
              let instance = tracker.openInstance(sequence: uid.sequence)
                ?? ending.flatMap({ $0.sequence == uid.sequence ? $0 : nil }) else {
            return nil
        }
        return spanRecord(instance, endReason: .open, exitArgs: [], errors: tracker.errorCount(of: instance), at: monotonic(now))
    }

    public func openSpans(enteredAfter sequence: UInt64, startedAtOrBefore cutoff: Int64, now: Int64,
                          limit: Int) -> [SpanRecord] {
        let monotonicCutoff = monotonic(cutoff)
        return tracker.openInstances(after: sequence, startedAtOrBefore: monotonicCutoff, limit: limit).map {
            spanRecord($0, endReason: .open, exitArgs: [], errors: tracker.errorCount(of: $0), at: monotonic(now))
        }
    }

    private func monotonic(_ wall: Int64) -> UInt64 {
        UInt64(clamping: wall &- configuration.monotonicToWallOffset)
    }
}
