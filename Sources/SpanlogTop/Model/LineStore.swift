import SpanlogCore

/// The most recent lines, their bytes copied into one ring of bytes: holding a line costs no
/// allocation, and a line whose bytes have been written over is gone with them.
struct LineStore {
    private struct Entry {
        var timestamp: Int64
        var pid: Int32
        var comm: String
        var stream: LogStream
        var path: String?
        var level: LogLevel?
        var truncated: Bool
        var span: SpanUID?
        /// Where its bytes start, counted over everything ever stored, and how many.
        var start: Int
        var length: Int
    }

    private var entries: Ring<Entry>
    private var bytes: [UInt8]
    /// Bytes ever stored.
    private var written = 0

    init(lines: Int, bytes capacity: Int) {
        entries = Ring(capacity: lines)
        bytes = Array(repeating: 0, count: max(1, capacity))
    }

    /// Lines no longer held: written over by newer lines, or their bytes were.
    var overwritten: Int { entries.overwritten }

    mutating func append(_ line: LineRecord) {
        let length = min(line.text.count, bytes.count)
        let start = written
        line.text.prefix(length).withUnsafeBufferPointer { source in
            bytes.withUnsafeMutableBufferPointer { ring in
                let offset = start % ring.count
                let first = min(length, ring.count - offset)
                guard let base = source.baseAddress, let target = ring.baseAddress else { return }
                (target + offset).update(from: base, count: first)
                if first < length { target.update(from: base + first, count: length - first) }
            }
        }
        written += length
        entries.append(Entry(timestamp: line.timestamp, pid: line.pid, comm: line.comm, stream: line.stream,
                             path: line.path, level: line.level, truncated: line.truncated, span: line.span?.uid,
                             start: start, length: length))
    }

    /// Newest to oldest, until `body` returns false; lines whose bytes are gone end the scan.
    func reverseScan(_ body: (HeldLine) -> Bool) {
        entries.reverseScan { entry in
            guard let line = held(entry) else { return false }
            return body(line)
        }
    }

    /// Calls `body` with each held line's timestamp and span, newest first, without copying
    /// its bytes, until it returns false; `body` says which to copy out.
    func reverseScan(where wanted: (Int64, SpanUID?) -> Bool?, _ body: (HeldLine) -> Void) {
        entries.reverseScan { entry in
            guard let take = wanted(entry.timestamp, entry.span) else { return false }
            guard entry.start >= written - bytes.count else { return false }
            if take, let line = held(entry) { body(line) }
            return true
        }
    }

    private func held(_ entry: Entry) -> HeldLine? {
        guard entry.start >= written - bytes.count else { return nil }
        var text = [UInt8](repeating: 0, count: entry.length)
        bytes.withUnsafeBufferPointer { ring in
            let offset = entry.start % ring.count
            let first = min(entry.length, ring.count - offset)
            text.withUnsafeMutableBufferPointer { target in
                guard let to = target.baseAddress, let from = ring.baseAddress else { return }
                to.update(from: from + offset, count: first)
                if first < entry.length { (to + first).update(from: from, count: entry.length - first) }
            }
        }
        return HeldLine(timestamp: entry.timestamp, pid: entry.pid, comm: entry.comm, stream: entry.stream, path: entry.path,
                        text: text, level: entry.level, truncated: entry.truncated, span: entry.span)
    }
}
