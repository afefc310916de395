/// Joins the continuation lines of a stack trace to the line that starts it, so that one logged
/// exception is one record (and one error) per stream. A line at error level or worse is held
/// while a continuation may still come: in the same write, or in a later one within `window`
/// nanoseconds. Every other line passes straight through, and nothing is held once the
/// process exits, the line's span ends or the engine stops.
struct StackTraceJoiner {
    struct StreamKey: Hashable {
        var pid: Int32
        var target: WriteTarget
    }

    private struct Held {
        var line: AssembledLine
        var text: [UInt8]
        var level: LogLevel?
        var kind: StackTraceShape.Kind
        var phase: StackTraceShape.Phase
        var lastTimestamp: UInt64
        /// Blank lines at the end, accepted in case a chained trace follows; they become their
        /// own records again if none does.
        var trailingBlankLines: Int
    }

    /// How long after a trace's last line a continuation may still arrive in another write.
    static let window: UInt64 = 10_000_000

    let maxBytes: Int
    private var held: [StreamKey: Held] = [:]
    /// No held record waits past this time (it may be earlier than any real deadline).
    private(set) var earliestDeadline: UInt64 = .max

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Passes `line` on, joined to the trace it continues, or holds it when a trace may follow.
    mutating func accept(_ line: AssembledLine, level: LogLevel?, emit: (AssembledLine, LogLevel?) -> Void) {
        if held.isEmpty, (level ?? .trace) < .error {
            emit(line, level)
            return
        }
        let key = StreamKey(pid: line.pid, target: line.target)
        // The thread's held line on another stream was written before this one.
        release(tid: line.tid, except: key, emit: emit)
        if var record = held.removeValue(forKey: key) {
            if join(line, to: &record) {
                held[key] = record
                return
            }
            release(record, emit: emit)
        }
        guard let level, level >= .error, !line.truncated else {
            emit(line, level)
            return
        }
        let kind = line.text.withUnsafeBufferPointer { StackTraceShape.kind(ofFirstLine: $0) } ?? .unknown
        held[key] = Held(line: line, text: Array(line.text), level: level, kind: kind, phase: .header,
                         lastTimestamp: line.timestamp, trailingBlankLines: 0)
        let (deadline, overflow) = line.timestamp.addingReportingOverflow(Self.window)
        earliestDeadline = min(earliestDeadline, overflow ? .max : deadline)
    }

    private func join(_ line: AssembledLine, to record: inout Held) -> Bool {
        guard !line.truncated, line.timestamp <= record.lastTimestamp &+ Self.window,
              record.text.count + 1 + line.text.count <= maxBytes else { return false }
        var kind = record.kind, phase = record.phase
        guard line.text.withUnsafeBufferPointer({ StackTraceShape.continues($0, kind: &kind, phase: &phase) }) else {
            return false
        }
        if kind != record.kind, kind == .go {
            record.level = max(record.level ?? .critical, .critical)
        }
        record.kind = kind
        record.phase = phase
        record.text.append(0x0A)
        record.text.append(contentsOf: line.text)
        record.trailingBlankLines = line.text.isEmpty ? record.trailingBlankLines + 1 : 0
        record.lastTimestamp = max(record.lastTimestamp, line.timestamp)
        return true
    }

    /// Emits records whose window closed before `now`.
    mutating func expire(before now: UInt64, emit: (AssembledLine, LogLevel?) -> Void) {
        guard now > earliestDeadline else { return }
        let due = held.filter { $0.value.lastTimestamp &+ Self.window < now }
        for (key, record) in due.sorted(by: { $0.value.line.timestamp < $1.value.line.timestamp }) {
            held[key] = nil
            release(record, emit: emit)
        }
        recomputeDeadline()
    }

    /// Emits the held records of a thread (on streams other than `except`): it wrote something
    /// else since, and a thread's records go out in the order it wrote them.
    mutating func release(tid: Int32, except: StreamKey? = nil, emit: (AssembledLine, LogLevel?) -> Void) {
        // Asked first without building anything: this runs for every line while any is held.
        guard !held.isEmpty, held.contains(where: { $0.value.line.tid == tid && $0.key != except }) else { return }
        let ofThread = held.filter { $0.value.line.tid == tid && $0.key != except }
        for (key, record) in ofThread.sorted(by: { $0.value.line.timestamp < $1.value.line.timestamp }) {
            held[key] = nil
            release(record, emit: emit)
        }
        recomputeDeadline()
    }

    /// Emits the held records of a process (it exited).
    mutating func flush(pid: Int32, emit: (AssembledLine, LogLevel?) -> Void) {
        guard !held.isEmpty else { return }
        let ofProcess = held.filter { $0.key.pid == pid }
        for (key, record) in ofProcess.sorted(by: { $0.value.line.timestamp < $1.value.line.timestamp }) {
            held[key] = nil
            release(record, emit: emit)
        }
        recomputeDeadline()
    }

    mutating func flushAll(emit: (AssembledLine, LogLevel?) -> Void) {
        for record in held.values.sorted(by: { $0.line.timestamp < $1.line.timestamp }) { release(record, emit: emit) }
        held.removeAll()
        earliestDeadline = .max
    }

    /// Emits the held records attributed to `instance`, which ends: its writer moved on, and
    /// the span record should follow its lines.
    mutating func flush(spanEnding instance: SpanInstance, emit: (AssembledLine, LogLevel?) -> Void) {
        guard !held.isEmpty else { return }
        let ofSpan = held.filter { $0.value.line.span === instance }
        guard !ofSpan.isEmpty else { return }
        for (key, record) in ofSpan.sorted(by: { $0.value.line.timestamp < $1.value.line.timestamp }) {
            held[key] = nil
            release(record, emit: emit)
        }
        recomputeDeadline()
    }

    private mutating func recomputeDeadline() {
        earliestDeadline = held.values.map { $0.lastTimestamp &+ Self.window }.min() ?? .max
    }

    private func release(_ record: Held, emit: (AssembledLine, LogLevel?) -> Void) {
        var line = record.line
        line.text = record.text.dropLast(record.trailingBlankLines)[...]
        emit(line, record.level)
        guard record.trailingBlankLines > 0 else { return }
        var blank = record.line
        blank.text = []
        blank.counted = false
        for _ in 0..<record.trailingBlankLines { emit(blank, nil) }
    }
}
