/// The human view. `live` prints each line as it comes, prefixed by its span; `grouped` holds a
/// span's lines until it ends and prints the span as one block, children nested inside.
public final class TextRenderer: RecordSink {
    public enum Mode: Sendable {
        case live
        case grouped
    }

    private final class Block {
        var entries: [Entry] = []
    }

    private enum Entry {
        case line(LineRecord)
        case child(SpanRecord, Block)
        case alert(AlertRecord)
    }

    private let output: ByteOutput
    private let mode: Mode
    private let color: Bool
    private let buffer = ByteBuffer()
    /// Where malformed markers are reported (stderr for the terminal view), rate-limited:
    /// they are the author's typos, and a loop repeating one must not bury the program's lines.
    private let markerErrors: ByteOutput?
    private var markerErrorWindowStart: Int64?
    private var markerErrorsShownInWindow = 0
    private var markerErrorsNotShown = 0
    static let markerErrorsPerWindow = 5
    static let markerErrorWindow: Int64 = 10_000_000_000
    private var blocks: [SpanUID: Block] = [:]
    /// Live view: alerts raised at a span's end wait for its span line, and follow it.
    private var alertsAwaitingSpan: [SpanUID: [AlertRecord]] = [:]

    public init(output: ByteOutput, mode: Mode, color: Bool, markerErrors: ByteOutput? = nil) {
        self.output = output
        self.mode = mode
        self.color = color
        self.markerErrors = markerErrors
    }

    public func emit(_ record: Record) {
        switch (record, mode) {
        case (.line(let line), .live):
            writeLine(line, indent: 0, showSpan: true)
        case (.line(let line), .grouped):
            if let span = line.span {
                block(for: span.uid).entries.append(.line(line))
            } else {
                writeLine(line, indent: 0, showSpan: false)
            }
        case (.span(let span), .live):
            writeSpanHeader(span, indent: 0, live: true)
            for alert in alertsAwaitingSpan.removeValue(forKey: span.summary.uid) ?? [] { writeAlert(alert, indent: 1) }
        case (.span(let span), .grouped):
            let block = blocks.removeValue(forKey: span.summary.uid) ?? Block()
            if let parent = span.parent, span.parentIsOpen {
                self.block(for: parent).entries.append(.child(span, block))
            } else {
                writeBlock(span, block, indent: 0)
            }
        case (.alert(let alert), .live):
            if alert.trigger == .spanEnd {
                alertsAwaitingSpan[alert.span.summary.uid, default: []].append(alert)
            } else {
                writeAlert(alert, indent: 0)
            }
        case (.alert(let alert), .grouped):
            // An in-flight alert is news now: a block is only printed when its span ends.
            if alert.trigger == .inFlight { writeAlert(alert, indent: 0) }
            block(for: alert.span.summary.uid).entries.append(.alert(alert))
        case (.warning(let warning), _) where warning.kind == .markerError && markerErrors != nil:
            reportMarkerError(warning)
        case (.warning(let warning), _):
            writeWarning(warning)
        case (.stats(let stats), _):
            writeStats(stats.stats, counters: stats.counters, outputs: stats.outputs)
        case (.summary(let summary), _):
            writeSummary(summary)
        }
        buffer.drainIfFull(to: output)
    }

    public func finish() {
        flush()
        reportMarkerErrorsNotShown()
    }

    public func flush() {
        buffer.drain(to: output)
        output.flush()
    }

    private func block(for uid: SpanUID) -> Block {
        if let existing = blocks[uid] { return existing }
        let created = Block()
        blocks[uid] = created
        return created
    }

    // MARK: Pieces

    private func writeBlock(_ span: SpanRecord, _ block: Block, indent: Int) {
        writeSpanHeader(span, indent: indent, live: false)
        // Alerts first, right under the header: they say why the block matters.
        for case .alert(let alert) in block.entries { writeAlert(alert, indent: indent + 1) }
        for entry in block.entries {
            switch entry {
            case .line(let line): writeLine(line, indent: indent + 1, showSpan: false)
            case .child(let child, let childBlock): writeBlock(child, childBlock, indent: indent + 1)
            case .alert: break
            }
        }
    }

    private func writeSpanHeader(_ span: SpanRecord, indent: Int, live: Bool) {
        appendIndent(indent)
        if live {
            appendTime(span.end)
            buffer.append(" ")
        }
        let outcome = span.outcome
        let flagged = outcome.failed || span.alerts > 0
        style(flagged ? .boldRed : .bold) {
            // A failed span stands out in both views with its own marker; one with an alert
            // but no failure (a slow request) is marked like its alert lines.
            buffer.append(outcome.failed ? "✗ " : span.alerts > 0 ? "! " : live ? "-- " : "> ")
            appendSpanLabel(span.summary)
        }
        buffer.append("  ")
        let colour: Style = switch outcome.verdict {
        case .ok: .green
        case .failed: .red
        case .unfinished: .yellow
        }
        style(colour) { buffer.append(string: outcome.description(endReason: span.endReason)) }
        buffer.append("  ")
        buffer.append(string: DurationFormatter.string(nanoseconds: span.durationNanoseconds))
        buffer.append("  lines=")
        buffer.appendDecimal(span.lines)
        buffer.append(" errors=")
        if span.errorsTotal > 0 {
            // Errors of child spans count: a request whose payment step failed has failed.
            style(.red) { buffer.appendDecimal(span.errorsTotal) }
            if span.errorsTotal != span.errors {
                buffer.append(" (")
                buffer.appendDecimal(span.errors)
                buffer.append(" here)")
            }
        } else {
            buffer.append("0")
        }
        if span.alerts > 0 {
            buffer.append(" ")
            style(.red) {
                buffer.append("alerts=")
                buffer.appendDecimal(span.alerts)
            }
        }
        if let io = span.io.syscalls {
            // --span-io: what the span's thread read and wrote through any descriptor, bytes/calls.
            buffer.append(string: "  read=\(ByteCountFormatter.string(bytes: Double(io.readBytes)))/\(io.reads)")
            buffer.append(string: " written=\(ByteCountFormatter.string(bytes: Double(io.writtenBytes)))/\(io.writes)")
        }
        buffer.append("  ")
        appendEscaped(span.comm)
        buffer.append("[")
        buffer.appendDecimal(span.pid)
        buffer.append("]")
        if !span.enterArgs.isEmpty || !span.exitArgs.isEmpty {
            buffer.append("  ")
            appendArgs(span.enterArgs)
            if !span.exitArgs.isEmpty {
                buffer.append(span.enterArgs.isEmpty ? "-> " : " -> ")
                appendArgs(span.exitArgs)
            }
        }
        buffer.append(0x0A)
    }

    private func writeLine(_ line: LineRecord, indent: Int, showSpan: Bool) {
        appendIndent(indent)
        appendTime(line.timestamp)
        buffer.append(" ")
        if showSpan {
            if let span = line.span {
                style(.cyan) { appendSpanLabel(span) }
            } else {
                style(.dim) { buffer.append("-") }
            }
            buffer.append(" ")
        }
        style(.dim) {
            appendEscaped(line.comm)
            buffer.append("[")
            buffer.appendDecimal(line.pid)
            buffer.append("] ")
            switch line.stream {
            case .stdout: buffer.append("out")
            case .stderr: buffer.append("err")
            case .file: appendEscaped(line.path ?? "file")
            }
        }
        buffer.append("  ")
        let severe = (line.level ?? .info) >= .error
        style(severe ? .red : .none) {
            // A stack trace is one record: its further lines go under the first, indented.
            line.text.withUnsafeBufferPointer {
                appendEscaped(bytes: $0, keepingTabs: true, lineBreakIndent: indent + 1, droppingColors: true)
            }
        }
        if line.truncated { style(.yellow) { buffer.append(" [truncated]") } }
        buffer.append(0x0A)
    }

    private func writeAlert(_ alert: AlertRecord, indent: Int) {
        appendIndent(indent)
        if indent == 0 {
            appendTime(alert.timestamp)
            buffer.append(" ")
        }
        let colour: Style = alert.priority >= .error ? .boldRed : alert.priority >= .warning ? .yellow : .cyan
        style(colour) {
            buffer.append("! ")
            buffer.append(string: alert.priority.name.uppercased())
            buffer.append(" ")
            appendEscaped(alert.rule)
            buffer.append(": ")
            appendEscaped(alert.message)
        }
        if indent == 0 {
            buffer.append("  ")
            style(.cyan) { appendSpanLabel(alert.span.summary) }
        }
        if alert.suppressed > 0 {
            style(.dim) {
                buffer.append(" (")
                buffer.appendDecimal(alert.suppressed)
                buffer.append(" more throttled)")
            }
        }
        buffer.append(0x0A)
    }

    private func reportMarkerError(_ warning: WarningRecord) {
        if markerErrorWindowStart.map({ warning.timestamp &- $0 >= Self.markerErrorWindow }) ?? true {
            reportMarkerErrorsNotShown()
            markerErrorWindowStart = warning.timestamp
            markerErrorsShownInWindow = 0
        }
        guard markerErrorsShownInWindow < Self.markerErrorsPerWindow, let markerErrors else {
            markerErrorsNotShown += 1
            return
        }
        markerErrorsShownInWindow += 1
        // Its own buffer, written at once: the main view may hold bytes back until it flushes.
        let main = buffer.count
        writeWarning(warning)
        let line = buffer.bytes[main...]
        buffer.truncate(to: main)
        line.withUnsafeBytes { markerErrors.write($0) }
    }

    private func reportMarkerErrorsNotShown() {
        guard markerErrorsNotShown > 0, let markerErrors else { return }
        let line = "spanlog: \(markerErrorsNotShown) more malformed markers not shown (at most \(Self.markerErrorsPerWindow) per \(Self.markerErrorWindow / 1_000_000_000) s; all are counted)\n"
        markerErrorsNotShown = 0
        var text = line
        text.withUTF8 { markerErrors.write(UnsafeRawBufferPointer($0)) }
    }

    private func writeWarning(_ warning: WarningRecord) {
        appendTime(warning.timestamp)
        buffer.append(" ")
        style(.yellow) {
            buffer.append("warning: ")
            buffer.append(string: warning.kind.rawValue)
            buffer.append(": ")
            appendEscaped(warning.message)
        }
        if let pid = warning.pid {
            buffer.append(" (pid ")
            buffer.appendDecimal(pid)
            buffer.append(")")
        }
        for (name, value) in warning.details where name == "marker" || name == "column" {
            buffer.append(" ")
            buffer.append(string: name)
            buffer.append("=")
            switch value {
            case .string(let text):
                buffer.append(0x22)
                appendEscaped(text)
                buffer.append(0x22)
            case .integer(let number): buffer.appendDecimal(number)
            }
        }
        buffer.append(0x0A)
    }

    /// The end of a session, in words a newcomer reads (docs/records.md says what each count
    /// is; JSON keeps the counter names).
    private func writeStats(_ stats: EngineStats, counters: [(name: String, value: Int64)], outputs: [OutputStatus]) {
        func plural(_ count: Int, _ noun: String) -> String { Wording.count(count, noun) }
        let counter = { (name: String) in Int(counters.first { $0.name == name }?.value ?? 0) }
        var summary = "spanlog: \(plural(stats.lines, "line")) in \(plural(stats.spansEnded, "span"))"
        if stats.openSpans > 0 { summary += " (\(stats.openSpans) still open at the end)" }
        summary += ", \(plural(stats.markers, "marker"))"
        if counters.contains(where: { $0.name == "alerts" }) {
            summary += ", \(plural(counter("alerts"), "alert"))"
            if counter("alerts_suppressed") > 0 { summary += " (\(counter("alerts_suppressed")) more throttled)" }
        }
        style(.dim) { buffer.append(string: summary + "\n") }
        var skipped: [String] = []
        if stats.skipped.treePipeWrites > 0 {
            skipped.append("\(plural(Int(clamping: stats.skipped.treePipeWrites), "write")) into the programs' own pipes ($(…), a | b)")
        }
        if stats.skipped.otherFileWrites > 0 {
            skipped.append("\(plural(Int(clamping: stats.skipped.otherFileWrites), "write")) of stdout/stderr into files that are not logs")
        }
        if !skipped.isEmpty {
            style(.dim) { buffer.append(string: "spanlog: not output, so not captured: " + skipped.joined(separator: ", ") + "\n") }
        }
        if counter("filter_spans_dropped") > 0 || counter("filter_lines_dropped") > 0 {
            style(.dim) {
                buffer.append(string: "spanlog: --filter left out \(plural(counter("filter_spans_dropped"), "span")) and \(plural(counter("filter_lines_dropped"), "line"))\n")
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
        if !notes.isEmpty { style(.yellow) { buffer.append(string: "spanlog: also: " + notes.joined(separator: "; ") + "\n") } }
        if stats.lostEvents > 0 {
            style(.red) {
                buffer.append(string: "spanlog: LOST \(Wording.count(stats.lostEvents, "event")) the kernel could not hand over (its ring buffer was full): lines or markers are missing; raise --ring-buffer-size\n")
            }
        }
        for output in outputs where output.error != nil {
            style(.red) {
                buffer.append(string: "spanlog: output \(output.name) failed (\(output.error ?? "")): ")
                buffer.append(string: "\(Wording.count(output.failedWrites, "write")), \(Wording.count(output.lostBytes, "byte")) not delivered\n")
            }
        }
    }

    // MARK: Summaries

    /// sysdig's Traces Summary in spirit: one row per tag path, children indented under their
    /// parents, durations for people; with histograms, one bar of block characters per row.
    private func writeSummary(_ summary: SummaryRecord) {
        var header = "summary"
        if let since = summary.since {
            header += " of \(DurationFormatter.string(nanoseconds: summary.timestamp - since)) to "
        } else {
            header += " at "
        }
        style(.bold) {
            buffer.append(string: header)
            appendTime(summary.timestamp)
            buffer.append(summary.rows.isEmpty ? ": no spans ended\n" : "\n")
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
        style(.dim) {
            buffer.append(string: pad("TAGS", width, left: true))
            for (column, heading) in headings.enumerated() { buffer.append(string: "  " + pad(heading, widths[column], left: false)) }
            buffer.append("\n")
        }
        for (index, row) in summary.rows.enumerated() {
            appendEscaped(pad(names[index], width, left: true))
            for (column, cell) in table[index].enumerated() {
                let text = "  " + pad(cell, widths[column], left: false)
                if column == 1, row.failed > 0 { style(.red) { buffer.append(string: text) } } else { buffer.append(string: text) }
            }
            buffer.append("\n")
            if let histogram = row.histogram { writeHistogram(histogram, indent: width) }
        }
    }

    private static let bars = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// One character per bucket, its height the bucket's share of the fullest, then the scale:
    /// a `|` at each decade, 1 µs to 100 s.
    private func writeHistogram(_ counts: [Int], indent: Int) {
        let fullest = max(1, counts.max() ?? 1)
        let pad = String(repeating: " ", count: indent + 2)
        buffer.append(string: pad + "[")
        for count in counts {
            let level = count == 0 ? 0 : max(1, Int((Double(count) / Double(fullest) * 8).rounded()))
            buffer.append(string: Self.bars[level])
        }
        buffer.append("]\n")
        style(.dim) {
            // Buckets 1, 4, 7, … start at 1 µs, 10 µs, 100 µs, …
            var scale = Array(repeating: " ", count: counts.count)
            for decade in 0..<9 where 1 + 3 * decade < counts.count { scale[1 + 3 * decade] = "|" }
            buffer.append(string: pad + " " + scale.joined() + "\n")
            var labels = Array(repeating: Character(" "), count: counts.count + 4)
            for (bucket, label) in [(1, "1µs"), (10, "1ms"), (19, "1s"), (25, "100s")] where bucket < counts.count {
                for (offset, character) in label.enumerated() { labels[bucket + offset] = character }
            }
            while labels.last == " " { labels.removeLast() }
            buffer.append(string: pad + " " + String(labels) + "\n")
        }
    }

    // MARK: Formatting helpers

    private func appendSpanLabel(_ span: SpanSummary) {
        if span.tags.isEmpty { buffer.append(string: SpanSummary.untaggedName) } else { appendEscaped(span.tagPath) }
        buffer.append("#")
        buffer.appendHex(span.uid.sequence)
    }

    private func appendArgs(_ args: MarkerArgs) {
        for (index, arg) in args.enumerated() {
            if index > 0 { buffer.append(" ") }
            appendEscaped(arg.name)
            buffer.append("=")
            appendEscaped(arg.value)
        }
    }

    private func appendEscaped(_ string: String) {
        var string = string
        string.withUTF8 { appendEscaped(bytes: $0, keepingTabs: false) }
    }

    /// Text from traced programs, made safe for a terminal: control bytes (escape sequences,
    /// newlines that would split a record, C1 controls) are shown escaped (`\e`, `\n`, `\x07`,
    /// `\u{9b}`), bytes that are not UTF-8 as U+FFFD, so nothing a program wrote can move the
    /// cursor or retitle the terminal. Line text keeps its tabs; in it a newline starts an
    /// indented line (`lineBreakIndent`, stack traces) and colour sequences are dropped.
    private func appendEscaped(bytes: UnsafeBufferPointer<UInt8>, keepingTabs: Bool, lineBreakIndent: Int? = nil,
                               droppingColors: Bool = false) {
        var index = 0, runStart = 0
        func flushRun() {
            if runStart < index { buffer.append(bytes: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x7F || byte == 0x09 && keepingTabs {
                index += 1
                continue
            }
            if byte >= 0x80 {
                let length = JSONEscaper.validUTF8Length(bytes, at: index)
                // U+0080…U+009F (C2 80…C2 9F) are C1 controls: CSI (U+009B) starts an escape sequence.
                if length > 0 && !(byte == 0xC2 && bytes[index + 1] < 0xA0) {
                    index += length
                    continue
                }
                flushRun()
                if length == 2 {
                    buffer.append("\\u{")
                    buffer.appendHex(UInt64(bytes[index + 1]))
                    buffer.append("}")
                } else {
                    buffer.append("\u{FFFD}")
                }
                index += max(length, 1)
                runStart = index
                continue
            }
            flushRun()
            if byte == 0x1B, droppingColors, let end = ColorSequence.end(in: bytes, at: index) {
                index = end
                runStart = index
                continue
            }
            if byte == 0x0A, let lineBreakIndent {
                buffer.append(0x0A)
                appendIndent(lineBreakIndent)
                buffer.append("  ")
                index += 1
                runStart = index
                continue
            }
            switch byte {
            case 0x0A: buffer.append("\\n")
            case 0x0D: buffer.append("\\r")
            case 0x09: buffer.append("\\t")
            case 0x1B: buffer.append("\\e")
            default:
                buffer.append("\\x")
                buffer.appendHex(UInt64(byte), minimumDigits: 2)
            }
            index += 1
            runStart = index
        }
        flushRun()
    }

    private func appendIndent(_ level: Int) {
        for _ in 0..<level { buffer.append("    ") }
    }

    /// Time of day, UTC, to the millisecond.
    private func appendTime(_ nanoseconds: Int64) {
        // Times before 1970 (a capture from a machine with a wrong clock) count back from midnight.
        let millisOfDay = ((nanoseconds / 1_000_000) % 86_400_000 + 86_400_000) % 86_400_000
        func two(_ value: Int64) {
            buffer.append(0x30 + UInt8(value / 10))
            buffer.append(0x30 + UInt8(value % 10))
        }
        style(.dim) {
            two(millisOfDay / 3_600_000)
            buffer.append(0x3A)
            two(millisOfDay / 60_000 % 60)
            buffer.append(0x3A)
            two(millisOfDay / 1000 % 60)
            buffer.append(0x2E)
            let millis = millisOfDay % 1000
            buffer.append(0x30 + UInt8(millis / 100))
            two(millis % 100)
        }
    }

    private enum Style {
        case none, bold, boldRed, dim, red, green, yellow, cyan

        var escape: StaticString {
            switch self {
            case .none: ""
            case .bold: "\u{1B}[1m"
            case .boldRed: "\u{1B}[1;31m"
            case .dim: "\u{1B}[2m"
            case .red: "\u{1B}[31m"
            case .green: "\u{1B}[32m"
            case .yellow: "\u{1B}[33m"
            case .cyan: "\u{1B}[36m"
            }
        }
    }

    private func style(_ style: Style, _ body: () -> Void) {
        guard color, style != .none else {
            body()
            return
        }
        buffer.append(style.escape)
        body()
        buffer.append("\u{1B}[0m")
    }
}
