/// A complete line, with where and when its first byte was written.
struct AssembledLine {
    var pid: Int32
    var target: WriteTarget
    var path: String?
    var text: ArraySlice<UInt8>
    var timestamp: UInt64
    var tid: Int32
    var span: SpanInstance?
    var truncated: Bool
    /// Already counted in its span's `lines`/`errors`: the span ended before the line did.
    var counted = false
}

/// Splits each (process, target) stream into lines. A line is attributed when its first byte is
/// written, so a partial line remembers the span that enclosed that write.
struct LineAssembler {
    private struct Partial {
        var bytes: [UInt8]
        var timestamp: UInt64
        var tid: Int32
        var span: SpanInstance?
        var path: String?
        /// The line hit the length limit and was emitted; the rest up to `\n` is dropped.
        var discarding: Bool
        var counted = false
        /// Bytes a preview showed already (`previews`).
        var previewed = 0
    }

    let maxLineBytes: Int
    private var streams: [Int32: [WriteTarget: Partial]] = [:]
    /// Partial lines waiting for their end, so span ends skip the search when there are none.
    private var partialCount = 0

    init(maxLineBytes: Int) {
        self.maxLineBytes = max(1, maxLineBytes)
    }

    mutating func feed(pid: Int32, tid: Int32, target: WriteTarget, path: String?, timestamp: UInt64,
                       bytes: ArraySlice<UInt8>, span: () -> SpanInstance?, emit: (AssembledLine) -> Void) {
        var start = bytes.startIndex
        let end = bytes.endIndex
        if var partial = take(pid: pid, target: target) {
            let newline = Self.newline(in: bytes, from: start)
            let piece = bytes[start..<(newline ?? end)]
            if !partial.discarding {
                let room = maxLineBytes - partial.bytes.count
                partial.bytes.append(contentsOf: piece.prefix(room))
                if piece.count > room {
                    emit(AssembledLine(pid: pid, target: target, path: path, text: partial.bytes[...], timestamp: partial.timestamp,
                                       tid: partial.tid, span: partial.span, truncated: true, counted: partial.counted))
                    partial.discarding = true
                }
            }
            guard let newline else {
                store(partial, pid: pid, target: target)
                return
            }
            if !partial.discarding {
                emit(AssembledLine(pid: pid, target: target, path: path, text: Self.trimCarriageReturn(partial.bytes[...]),
                                   timestamp: partial.timestamp, tid: partial.tid, span: partial.span, truncated: false,
                                   counted: partial.counted))
            }
            start = newline + 1
        }
        guard start < end else { return }

        let enclosing = span()
        while start < end {
            guard let newline = Self.newline(in: bytes, from: start) else {
                let rest = bytes[start..<end]
                var partial = Partial(bytes: Array(rest.prefix(maxLineBytes)), timestamp: timestamp, tid: tid,
                                      span: enclosing, path: path, discarding: false)
                if rest.count > maxLineBytes {
                    emit(AssembledLine(pid: pid, target: target, path: path, text: partial.bytes[...],
                                       timestamp: timestamp, tid: tid, span: enclosing, truncated: true))
                    partial.discarding = true
                }
                store(partial, pid: pid, target: target)
                return
            }
            let line = bytes[start..<newline]
            if line.count > maxLineBytes {
                emit(AssembledLine(pid: pid, target: target, path: path, text: line.prefix(maxLineBytes),
                                   timestamp: timestamp, tid: tid, span: enclosing, truncated: true))
            } else {
                emit(AssembledLine(pid: pid, target: target, path: path, text: Self.trimCarriageReturn(line),
                                   timestamp: timestamp, tid: tid, span: enclosing, truncated: false))
            }
            start = newline + 1
        }
    }

    /// Ends the partial line of one stream (bytes the writer lost track of, for example after a
    /// write the collector could only capture in part).
    mutating func flush(pid: Int32, target: WriteTarget, truncated: Bool, emit: (AssembledLine) -> Void) {
        guard let partial = take(pid: pid, target: target) else { return }
        Self.emitRemainder(partial, pid: pid, target: target, truncated: truncated, emit: emit)
    }

    /// Ends every partial line of a process (it exited, so no `\n` will come).
    mutating func flush(pid: Int32, emit: (AssembledLine) -> Void) {
        guard let partials = streams.removeValue(forKey: pid) else { return }
        partialCount -= partials.count
        for (target, partial) in partials.sorted(by: { $0.value.timestamp < $1.value.timestamp }) {
            Self.emitRemainder(partial, pid: pid, target: target, truncated: false, emit: emit)
        }
    }

    mutating func flushAll(emit: (AssembledLine) -> Void) {
        for pid in streams.keys.sorted() { flush(pid: pid, emit: emit) }
    }

    /// Marks partial lines attributed to `instance` as counted, calling `count` with the level,
    /// target and size of each one's bytes so far: the span ends before the line does.
    mutating func countUnfinished(in instance: SpanInstance, count: (LogLevel?, WriteTarget, Int) -> Void) {
        guard partialCount > 0 else { return }
        for pid in streams.keys {
            for target in streams[pid]!.keys {
                guard let partial = streams[pid]![target], partial.span === instance, !partial.counted,
                      !partial.discarding else { continue }
                streams[pid]![target]!.counted = true
                count(LevelDetector.detect(partial.bytes[...]), target, partial.bytes.count)
            }
        }
    }

    /// Partial lines begun at or before `cutoff` with bytes no preview showed yet, oldest
    /// first: what a terminal would show of them by now.
    mutating func previews(begunBy cutoff: UInt64,
                           show: (_ pid: Int32, _ tid: Int32, _ target: WriteTarget, _ path: String?, _ timestamp: UInt64,
                                  _ text: ArraySlice<UInt8>, _ shownBefore: Int, _ span: SpanInstance?) -> Void) {
        guard partialCount > 0 else { return }
        var due: [(pid: Int32, target: WriteTarget, timestamp: UInt64)] = []
        for (pid, partials) in streams {
            for (target, partial) in partials where partial.timestamp <= cutoff && !partial.discarding
                && partial.bytes.count > partial.previewed {
                due.append((pid, target, partial.timestamp))
            }
        }
        for (pid, target, _) in due.sorted(by: { $0.timestamp < $1.timestamp }) {
            let partial = streams[pid]![target]!
            show(pid, partial.tid, target, partial.path, partial.timestamp, partial.bytes[...], partial.previewed, partial.span)
            streams[pid]![target]!.previewed = partial.bytes.count
        }
    }

    private mutating func take(pid: Int32, target: WriteTarget) -> Partial? {
        guard partialCount > 0, let partial = streams[pid]?.removeValue(forKey: target) else { return nil }
        partialCount -= 1
        return partial
    }

    private mutating func store(_ partial: Partial, pid: Int32, target: WriteTarget) {
        streams[pid, default: [:]][target] = partial
        partialCount += 1
    }

    private static func emitRemainder(_ partial: Partial, pid: Int32, target: WriteTarget, truncated: Bool,
                                      emit: (AssembledLine) -> Void) {
        guard !partial.discarding, !partial.bytes.isEmpty else { return }
        emit(AssembledLine(pid: pid, target: target, path: partial.path, text: trimCarriageReturn(partial.bytes[...]),
                           timestamp: partial.timestamp, tid: partial.tid, span: partial.span, truncated: truncated,
                           counted: partial.counted))
    }

    private static func newline(in bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            ByteSearch.first(0x0A, in: buffer, from: start - bytes.startIndex).map { bytes.startIndex + $0 }
        }
    }

    private static func trimCarriageReturn(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        line.last == 0x0D ? line.dropLast() : line
    }
}
