/// What one line written to /dev/null turned out to be.
enum MarkerLineOutcome {
    case marker(Marker)
    case error(MarkerError, text: ArraySlice<UInt8>)
    /// Not a marker at all: output the program discarded.
    case discarded
}

/// Splits /dev/null writes into marker lines and joins markers split across writes, per thread.
struct MarkerAssembler {
    /// The most bytes kept for one thread's unfinished marker.
    static let maxFragmentBytes = 64 * 1024

    private var fragments: [Int32: [UInt8]] = [:]
    private var cache = MarkerCache()

    mutating func feed(tid: Int32, bytes: ArraySlice<UInt8>, handle: (consuming MarkerLineOutcome) -> Void) {
        // Most writes hold whole markers: no lookup while no thread has a fragment.
        guard !fragments.isEmpty, let fragment = fragments.removeValue(forKey: tid) else {
            split(tid: tid, bytes, handle: handle)
            return
        }
        // A new write that is a whole marker on its own starts a new marker: the fragment was
        // never finished. Joining would make the new marker part of the fragment's last
        // argument value (values may hold ':'), losing it.
        if Self.startsWithCompleteMarker(bytes) {
            let error = MarkerError("unfinished marker was followed by a new marker", column: fragment.count + 1)
            handle(.error(error, text: fragment[...]))
            split(tid: tid, bytes, handle: handle)
            return
        }
        split(tid: tid, (fragment + bytes)[...], handle: handle)
    }

    /// Reports a thread's unfinished marker when the thread ends.
    mutating func threadExited(_ tid: Int32, handle: (consuming MarkerLineOutcome) -> Void) {
        guard !fragments.isEmpty, let fragment = fragments.removeValue(forKey: tid) else { return }
        let error = MarkerError("marker unfinished when its thread exited", column: fragment.count + 1)
        handle(.error(error, text: fragment[...]))
    }

    mutating func flushAll(handle: (consuming MarkerLineOutcome) -> Void) {
        for tid in fragments.keys.sorted() { threadExited(tid, handle: handle) }
    }

    private static func startsWithCompleteMarker(_ bytes: ArraySlice<UInt8>) -> Bool {
        let end = bytes.firstIndex(of: 0x0A)
        let line = bytes[..<(end ?? bytes.endIndex)]
        guard MarkerParser.looksLikeMarker(line) else { return false }
        if case .marker = MarkerParser.parseLine(line, terminated: end != nil) { return true }
        return false
    }

    private mutating func split(tid: Int32, _ bytes: ArraySlice<UInt8>, handle: (consuming MarkerLineOutcome) -> Void) {
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let newline = bytes.withUnsafeBufferPointer { raw in
                ByteSearch.first(0x0A, in: raw, from: start - bytes.startIndex).map { bytes.startIndex + $0 }
            }
            let line = bytes[start..<(newline ?? bytes.endIndex)]
            start = (newline ?? bytes.endIndex) + 1
            if let marker = cache.parse(line) {
                handle(.marker(consume marker))  // moved: a copy retained its tags and arguments
                continue
            }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0 }) { continue }
            switch MarkerParser.parseLine(line, terminated: newline != nil) {
            case .marker(let marker, _):
                handle(.marker(marker))
            case .incomplete:
                if line.count > Self.maxFragmentBytes {
                    let error = MarkerError("unfinished marker longer than \(Self.maxFragmentBytes) bytes",
                                            column: Self.maxFragmentBytes + 1)
                    handle(.error(error, text: line.prefix(256)))
                } else {
                    fragments[tid] = Array(line)
                }
            case .invalid(let error):
                handle(MarkerParser.looksLikeMarker(line) ? .error(error, text: line) : .discarded)
            }
        }
    }
}
