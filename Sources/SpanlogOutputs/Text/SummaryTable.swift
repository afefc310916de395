import SpanlogCore

/// `--summary` in the text view, sysdig's Traces Summary in spirit: one row per tag path,
/// children indented under their parents, durations for people; with histograms, one bar of
/// block characters per row.
enum SummaryTable {
    static func write(_ summary: SummaryRecord, to text: TerminalText) {
        var header = "summary"
        if let since = summary.since {
            header += " of \(DurationFormatter.string(nanoseconds: summary.timestamp - since)) to "
        } else {
            header += " at "
        }
        text.style(.bold) {
            text.buffer.append(string: header)
            text.appendTime(summary.timestamp)
            text.buffer.append(summary.rows.isEmpty ? ": no spans ended\n" : "\n")
        }
        guard !summary.rows.isEmpty else { return }
        let names = summary.rows.map { row -> String in
            String(repeating: "  ", count: max(0, row.tags.count - 1)) + (row.tags.last.map { $0.isEmpty ? "(empty)" : $0 } ?? "(untagged)")
        }
        let width = max(4, names.map(\.count).max() ?? 4)
        // --span-io: mean bytes read and written per span, where some row has them.
        let showsIO = summary.rows.contains { $0.readBytesMean != nil }
        let headings = ["COUNT", "FAILED", "MIN", "MEAN", "P50", "P90", "P99", "MAX", "LINES", "BYTES"]
            + (showsIO ? ["READ", "WRITTEN"] : [])
        func cells(_ row: SummaryRow) -> [String] {
            [String(row.count), String(row.failed)]
                + [row.minNanoseconds, row.meanNanoseconds, row.p50Nanoseconds, row.p90Nanoseconds, row.p99Nanoseconds,
                   row.maxNanoseconds].map { DurationFormatter.string(nanoseconds: $0) }
                + [String(Double(Int((row.linesMean * 10).rounded())) / 10), String(Int(row.bytesMean.rounded()))]
                + (showsIO ? [row.readBytesMean, row.writtenBytesMean].map { $0.map { ByteCountFormatter.string(bytes: $0) } ?? "-" } : [])
        }
        let table = summary.rows.map(cells)
        let widths = headings.indices.map { column in max(headings[column].count, table.map { $0[column].count }.max() ?? 0) }
        func pad(_ text: String, _ width: Int, left: Bool) -> String {
            let room = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + room : room + text
        }
        text.style(.dim) {
            text.buffer.append(string: pad("TAGS", width, left: true))
            for (column, heading) in headings.enumerated() { text.buffer.append(string: "  " + pad(heading, widths[column], left: false)) }
            text.buffer.append("\n")
        }
        for (index, row) in summary.rows.enumerated() {
            text.appendEscaped(pad(names[index], width, left: true))
            for (column, cell) in table[index].enumerated() {
                let cellText = "  " + pad(cell, widths[column], left: false)
                if column == 1, row.failed > 0 { text.style(.red) { text.buffer.append(string: cellText) } } else { text.buffer.append(string: cellText) }
            }
            text.buffer.append("\n")
            if let histogram = row.histogram { writeHistogram(histogram, indent: width, to: text) }
        }
    }

    private static let bars = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// One character per bucket, its height the bucket's share of the fullest, then the scale:
    /// a `|` at each decade, 1 µs to 100 s.
    private static func writeHistogram(_ counts: [Int], indent: Int, to text: TerminalText) {
        let fullest = max(1, counts.max() ?? 1)
        let pad = String(repeating: " ", count: indent + 2)
        text.buffer.append(string: pad + "[")
        for count in counts {
            let level = count == 0 ? 0 : max(1, Int((Double(count) / Double(fullest) * 8).rounded()))
            text.buffer.append(string: Self.bars[level])
        }
        text.buffer.append("]\n")
        text.style(.dim) {
            // Buckets 1, 4, 7, … start at 1 µs, 10 µs, 100 µs, …
            var scale = Array(repeating: " ", count: counts.count)
            for decade in 0..<9 where 1 + 3 * decade < counts.count { scale[1 + 3 * decade] = "|" }
            text.buffer.append(string: pad + " " + scale.joined() + "\n")
            var labels = Array(repeating: Character(" "), count: counts.count + 4)
            for (bucket, label) in [(1, "1µs"), (10, "1ms"), (19, "1s"), (25, "100s")] where bucket < counts.count {
                for (offset, character) in label.enumerated() { labels[bucket + offset] = character }
            }
            while labels.last == " " { labels.removeLast() }
            text.buffer.append(string: pad + " " + String(labels) + "\n")
        }
    }
}
