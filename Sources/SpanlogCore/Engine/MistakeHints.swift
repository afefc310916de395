/// Recognises the two commonest marker slips from what they do to spans, and says each once
/// per session, with what to write instead:
///
/// - markers written through a buffered stream (a C `FILE*` left fully buffered): a span's
///   enter and exit marker reach /dev/null in one write, with no line between, so its lines
///   all land outside it;
/// - `t` markers written by a short-lived helper (`/bin/echo` under `sh`): `t` names the
///   helper's own thread, which exits at once, so the span is abandoned with no line in it.
struct MistakeHints {
    enum Mistake: String {
        case bufferedMarkers = "buffered_markers"
        case threadMarkerFromHelper = "thread_marker_from_helper"
    }

    /// A span shorter than this, abandoned with its writer, was opened by a helper process.
    static let helperLifetime: UInt64 = 100_000_000
    private var saidBuffered = false
    private var saidHelper = false

    /// After an exit marker closed `instance` in a write at `timestamp`.
    mutating func closedByExitMarker(_ instance: SpanInstance, closer tid: Int32, at timestamp: UInt64) -> (Mistake, String)? {
        // Every marker of one write carries that write's time.
        guard !saidBuffered, instance.start == timestamp, instance.lines == 0, instance.tid == tid else { return nil }
        saidBuffered = true
        let name = Self.spanName(instance)
        return (.bufferedMarkers, "span \(name) was opened and closed in one write to /dev/null with no line between (\(instance.process?.comm ?? "")[\(instance.pid)]): its markers are buffered, so its lines land outside it; write each marker unbuffered (in C: setvbuf(tracer, NULL, _IONBF, 0), or write(2)) and flush output before the exit marker (README, 'Instrument your program')")
    }

    /// After `instance`, a `t` or `p` span, was abandoned because its owner ended at `timestamp`.
    mutating func abandoned(_ instance: SpanInstance, parentIsTraced: () -> Bool, at timestamp: UInt64) -> (Mistake, String)? {
        guard !saidHelper, instance.id == Int64(instance.tid), instance.lines == 0,
              timestamp &- instance.start < Self.helperLifetime, parentIsTraced() else { return nil }
        saidHelper = true
        let name = Self.spanName(instance)
        let comm = instance.process?.comm ?? ""
        return (.threadMarkerFromHelper, "span \(name) (id t) was opened by \(comm)[\(instance.pid)], which exited at once and took the span with it: 't' names the writer's own thread; from a script that runs \(comm.isEmpty ? "a helper" : comm) for its markers, write id 'pp' (the script) or use the shell's builtin echo (docs/markers.md)")
    }

    private static func spanName(_ instance: SpanInstance) -> String {
        instance.tags.isEmpty ? "(untagged)" : "'" + instance.tags.joined(separator: ".") + "'"
    }
}
