import SpanlogCore

/// Per-tag-path figures of a stream of spans and alerts: all of them, or those a filter selects.
final class SpanAggregates {
    private var paths = TagPathIndex()
    private(set) var types: [SpanTypeStats] = []
    /// All spans together, for the spectrogram of every path.
    private(set) var everything = SpectrogramTrack()
    private(set) var spans = 0
    private(set) var failed = 0
    private(set) var alerts = 0
    private let keepSeconds: Int

    init(keepSeconds: Int) {
        self.keepSeconds = keepSeconds
    }

    private var byTags: [[String]: Int] = [:]
    /// Each path's nearest ancestor that has spans of its own, worked out again when paths are
    /// added (a new path can be the ancestor of older ones).
    private var cachedParents: [Int?] = []

    func typeIndex(of tags: [String]) -> Int {
        let index = paths.index(of: tags)
        if index == types.count {
            types.append(SpanTypeStats(tags: tags))
            byTags[tags] = index
        }
        return index
    }

    func index(ofExisting tags: [String]) -> Int? {
        byTags[tags]
    }

    var parents: [Int?] {
        if cachedParents.count != types.count {
            cachedParents = types.map { type in
                var ancestor = type.tags.dropLast()
                while !ancestor.isEmpty {
                    if let index = byTags[Array(ancestor)] { return index }
                    ancestor = ancestor.dropLast()
                }
                return nil
            }
        }
        return cachedParents
    }

    /// Spans per second of one path (nil: all paths) over the last `window` seconds: from the
    /// start of the second `window` seconds back (or from `first`, in a younger session) to
    /// `now`; nil before a tenth of a second has passed.
    func rate(_ index: Int?, now: Int64, since first: Int64, window: Int) -> Double? {
        let start = max(first, (Self.second(of: now) - Int64(window)) * 1_000_000_000)
        let elapsed = now - start
        guard elapsed >= 100_000_000 else { return nil }
        let track = index.map { types[$0].track } ?? everything
        let count = track.count(from: Self.second(of: start), to: Self.second(of: now) + 1)
        return Double(count) / (Double(elapsed) / 1e9)
    }

    func track(_ index: Int?) -> SpectrogramTrack {
        index.map { types[$0].track } ?? everything
    }

    /// Records an ended span; returns its path's index.
    @discardableResult
    func record(_ span: SpanRecord) -> Int {
        let index = typeIndex(of: span.summary.tags)
        let second = Self.second(of: span.end)
        types[index].record(span, second: second, keepSeconds: keepSeconds)
        everything.record(second: second, bucket: LatencyBuckets.bucket(of: max(0, span.durationNanoseconds)),
                          keepSeconds: keepSeconds)
        spans += 1
        if span.outcome.failed { failed += 1 }
        return index
    }

    func recordAlert(on span: SpanRecord) {
        types[typeIndex(of: span.summary.tags)].alerts += 1
        alerts += 1
    }

    func row(_ index: Int) -> SummaryRow? { types[index].row() }

    func updateSlowest(_ index: Int, _ update: (inout [(duration: Int64, uid: SpanUID)]) -> Void) {
        update(&types[index].slowest)
    }

    static func second(of nanoseconds: Int64) -> Int64 {
        nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
    }
}
