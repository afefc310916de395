import SpanlogCore

/// The text view's last lines: the end of a session, in words a newcomer reads
/// (docs/records.md says what each count is; JSON keeps the counter names). Every loss is
/// said here: lost events, cut lines, closed spans, failed outputs.
enum SessionEndReport {
    static func write(_ stats: EngineStats, counters: ProcessorCounters, outputs: [OutputStatus],
                      to text: TerminalText) {
        func plural(_ count: Int, _ noun: String) -> String { Wording.count(count, noun) }
        var summary = "spanlog: \(plural(stats.lines, "line")) in \(plural(stats.spansEnded, "span"))"
        if stats.openSpans > 0 { summary += " (\(stats.openSpans) still open at the end)" }
        summary += ", \(plural(stats.markers, "marker"))"
        if let rules = counters.rules {
            summary += ", \(plural(rules.alerts, "alert"))"
            if rules.alertsSuppressed > 0 { summary += " (\(rules.alertsSuppressed) more throttled)" }
        }
        text.style(.dim) { text.buffer.append(string: summary + "\n") }
        var skipped: [String] = []
        if stats.skipped.treePipeWrites > 0 {
            skipped.append("\(plural(Int(clamping: stats.skipped.treePipeWrites), "write")) into the programs' own pipes ($(…), a | b)")
        }
        if stats.skipped.otherFileWrites > 0 {
            skipped.append("\(plural(Int(clamping: stats.skipped.otherFileWrites), "write")) of stdout/stderr into files that are not logs")
        }
        if !skipped.isEmpty {
            text.style(.dim) { text.buffer.append(string: "spanlog: not output, so not captured: " + skipped.joined(separator: ", ") + "\n") }
        }
        if let filter = counters.filter, filter.spansDropped > 0 || filter.linesDropped > 0 {
            text.style(.dim) {
                text.buffer.append(string: "spanlog: --filter left out \(plural(filter.spansDropped, "span")) and \(plural(filter.linesDropped, "line"))\n")
            }
        }

        var notes: [String] = []
        if stats.markerErrors > 0 { notes.append(plural(stats.markerErrors, "malformed marker")) }
        if stats.unmatchedSwitches > 0 { notes.append("\(plural(stats.unmatchedSwitches, "switch marker")) naming no open span") }
        if stats.unmatchedExits > 0 { notes.append("\(plural(stats.unmatchedExits, "exit marker")) with no open span to close") }
        if stats.abandonedSpans > 0 { notes.append("\(plural(stats.abandonedSpans, "span")) abandoned (their thread or process ended first)") }
        if stats.timedOutSpans > 0 { notes.append("\(plural(stats.timedOutSpans, "span")) closed by --span-timeout") }
        if stats.evictedSpans > 0 { notes.append("\(plural(stats.evictedSpans, "span")) closed to stay under --max-open-spans") }
        if stats.truncatedLines > 0 { notes.append("\(plural(stats.truncatedLines, "line")) cut at --max-line-bytes") }
        if stats.truncatedWrites > 0 {
            notes.append("\(plural(stats.truncatedWrites, "write")) larger than --max-write-bytes (\(stats.uncapturedBytes) bytes not captured)")
        }
        if stats.discardedLines > 0 { notes.append("\(plural(stats.discardedLines, "line")) written to /dev/null but not like a marker (ignored)") }
        if !notes.isEmpty { text.style(.yellow) { text.buffer.append(string: "spanlog: also: " + notes.joined(separator: "; ") + "\n") } }
        if stats.lostEvents > 0 {
            text.style(.red) {
                text.buffer.append(string: "spanlog: LOST \(Wording.count(stats.lostEvents, "event")) the kernel could not hand over (its ring buffer was full): lines or markers are missing; raise --ring-buffer-size\n")
            }
        }
        for output in outputs where output.error != nil {
            text.style(.red) {
                text.buffer.append(string: "spanlog: output \(output.name) failed (\(output.error ?? "")): ")
                text.buffer.append(string: "\(Wording.count(output.failedWrites, "write")), \(Wording.count(output.lostBytes, "byte")) not delivered\n")
            }
        }
    }
}
