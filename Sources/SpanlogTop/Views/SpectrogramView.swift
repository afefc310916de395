#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// View 4: a latency spectrogram, as sysdig's spectrogram chisel draws one: one column per second
/// (the newest on the right), one row per latency bucket (the slowest on top), each cell shaded
/// by how many spans ended in that second with that latency.
struct SpectrogramView {
    /// The tag path shown; nil: every path together.
    let tags: [String]?
    /// counts[bucket][column]
    private(set) var counts: [[Int]] = []
    private(set) var lastSecond: Int64 = 0
    private(set) var spans = 0

    init(tags: [String]?) {
        self.tags = tags
    }

    var title: String {
        guard let tags else { return "all spans" }
        return tags.isEmpty ? SpanSummary.untaggedName : tags.joined(separator: ".")
    }

    static let labelWidth = 9

    mutating func refresh(from model: TopModel, context: ViewContext) {
        let aggregates = model.shown
        let columns = max(1, min(model.limits.spectrogramSeconds, context.columns - Self.labelWidth))
        lastSecond = SpanAggregates.second(of: model.now)
        let firstSecond = lastSecond - Int64(columns) + 1
        var grid = Array(repeating: Array(repeating: 0, count: columns), count: LatencyBuckets.count)
        var total = 0
        let index = tags.flatMap { aggregates.index(ofExisting: $0) }
        if tags == nil || index != nil {
            aggregates.track(index).forEach(from: firstSecond) { second, bucket, count in
                let column = Int(second - firstSecond)
                guard column >= 0 && column < columns else { return }
                grid[bucket][column] += count
                total += count
            }
        }
        counts = grid
        spans = total
    }

    func body(context: ViewContext) -> [ScreenLine] {
        let glyphs = context.glyphs
        var lines: [ScreenLine] = []
        var header = ScreenLine(fill: .header)
        header.append(" LATENCY", .header, columns: Self.labelWidth)
        header.append("\(Format.count(spans)) spans of \(title) ended in the last \(counts.first?.count ?? 0) s, one column per second", .header)
        lines.append(header)
        let used = counts.indices.filter { counts[$0].contains { $0 > 0 } }
        guard let lowest = used.first, let highest = used.last else {
            lines.append(ScreenLine("  No span of \(title) ended in this time.", .dim))
            return lines
        }
        // The buckets with spans, widened to fill the screen where there is room.
        let room = max(1, context.rows - 3)
        var top = highest, bottom = lowest
        while top - bottom + 1 < room && (top < LatencyBuckets.count - 1 || bottom > 0) {
            if top < LatencyBuckets.count - 1 { top += 1 }
            if top - bottom + 1 < room && bottom > 0 { bottom -= 1 }
        }
        if top - bottom + 1 > room { bottom = top - room + 1 }
        let peak = counts.joined().max() ?? 1
        for bucket in stride(from: top, through: bottom, by: -1) {
            var line = ScreenLine()
            line.append(Self.bucketLabel(bucket, glyphs), .dim, columns: Self.labelWidth - 1, alignRight: true)
            line.append(" ")
            for count in counts[bucket] {
                if count == 0 {
                    line.append(" ")
                } else {
                    let level = Self.level(count, peak: peak)
                    line.append(glyphs.shades[level], TerminalStyle.heat[level])
                }
            }
            lines.append(line)
        }
        let width = counts.first?.count ?? 0
        var axis = ScreenLine(String(repeating: " ", count: Self.labelWidth))
        let start = "-\(width)s"
        let end = "\(Format.time(lastSecond * 1_000_000_000, millisecond: false))"
        axis.append(start, .dim)
        axis.pad(to: max(axis.width + 1, Self.labelWidth + width - end.count))
        axis.append(end, .dim)
        lines.append(axis)
        var legend = ScreenLine(String(repeating: " ", count: Self.labelWidth))
        legend.append("spans per cell:", .dim)
        // Each shade with the fewest spans drawn in it, for the shades in use.
        var fewest: [Int: Int] = [:]
        for count in Set(counts.joined()) where count > 0 {
            let level = Self.level(count, peak: peak)
            fewest[level] = min(fewest[level] ?? count, count)
        }
        for level in fewest.keys.sorted() {
            legend.append(" ")
            legend.append(glyphs.shades[level], TerminalStyle.heat[level])
            legend.append(" \(Format.count(fewest[level]!))+", .dim)
        }
        lines.append(legend)
        return lines
    }

    /// Five shades on a log scale up to the busiest cell; one count per shade while they fit.
    static func level(_ count: Int, peak: Int) -> Int {
        if peak <= 5 { return max(0, min(4, count - 1 + (5 - peak))) }
        let fraction = log2(Double(count)) / log2(Double(peak))
        return max(0, min(4, Int((fraction * 5).rounded(.down))))
    }

    /// `<1ms`: a bucket by its upper edge; the last one by its lower.
    static func bucketLabel(_ bucket: Int, _ glyphs: Glyphs) -> String {
        let edges = LatencyBuckets.edges
        if bucket >= edges.count { return ">" + Format.duration(edges[edges.count - 1], glyphs) }
        return "<" + Format.duration(edges[bucket], glyphs)
    }
}
