import SpanlogCore

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
    private let text: TerminalText
    /// `text.buffer`, stored: a computed property would retain and release it at each of the
    /// dozens of appends a line takes.
    private let buffer: ByteBuffer
    /// Where malformed markers are reported (stderr for the terminal view), rate-limited.
    private let markerErrors: ByteOutput?
    private var markerErrorThrottle = MarkerErrorThrottle()
    private var blocks: [SpanUID: Block] = [:]
    /// Live view: alerts raised at a span's end wait for its span line, and follow it.
    private var alertsAwaitingSpan: [SpanUID: [AlertRecord]] = [:]

    /// Whether lines that wait for their end are shown after a pause (a terminal view).
    private let showsPartialLines: Bool
    private var openPreview: (pid: Int32, stream: LogStream)?

    public init(output: ByteOutput, mode: Mode, color: Bool, markerErrors: ByteOutput? = nil, showsPartialLines: Bool = false) {
        self.showsPartialLines = showsPartialLines
        self.output = output
        self.mode = mode
        self.text = TerminalText(color: color)
        self.buffer = text.buffer
        self.markerErrors = markerErrors
    }

    public func emit(_ record: Record) {
        if openPreview != nil { endPreview() }
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
        case (.warning(let warning), _) where warning.kind == .likelyMistake && markerErrors != nil:
            // The view is on the terminal, where the session has said it on stderr already.
            break
        case (.warning(let warning), _):
            writeWarning(warning)
        case (.stats(let stats), _):
            SessionEndReport.write(stats.stats, counters: stats.counters, outputs: stats.outputs, to: text)
        case (.summary(let summary), _):
            SummaryTable.write(summary, to: text)
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
        text.appendIndent(indent)
        if live {
            text.appendTime(span.end)
            buffer.append(" ")
        }
        let outcome = span.outcome
        let flagged = outcome.failed || span.alerts > 0
        text.style(flagged ? .boldRed : .bold) {
            // A failed span stands out in both views with its own marker; one with an alert
            // but no failure (a slow request) is marked like its alert lines.
            buffer.append(outcome.failed ? "✗ " : span.alerts > 0 ? "! " : live ? "-- " : "> ")
            text.appendSpanLabel(span.summary)
        }
        buffer.append("  ")
        let colour: TerminalText.Style = switch outcome.verdict {
        case .ok: .green
        case .failed: .red
        case .unfinished: .yellow
        }
        text.style(colour) { buffer.append(string: outcome.description(endReason: span.endReason)) }
        buffer.append("  ")
        buffer.append(string: DurationFormatter.string(nanoseconds: span.durationNanoseconds))
        buffer.append("  lines=")
        buffer.appendDecimal(span.lines)
        buffer.append(" errors=")
        if span.errorsTotal > 0 {
            // Errors of child spans count: a request whose payment step failed has failed.
            text.style(.red) { buffer.appendDecimal(span.errorsTotal) }
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
            text.style(.red) {
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
        text.appendEscaped(span.comm)
        buffer.append("[")
        buffer.appendDecimal(span.pid)
        buffer.append("]")
        if !span.enterArgs.isEmpty || !span.exitArgs.isEmpty {
            buffer.append("  ")
            text.appendArgs(span.enterArgs)
            if !span.exitArgs.isEmpty {
                buffer.append(span.enterArgs.isEmpty ? "-> " : " -> ")
                text.appendArgs(span.exitArgs)
            }
        }
        buffer.append(0x0A)
    }

    private func writeLine(_ line: LineRecord, indent: Int, showSpan: Bool) {
        writeLinePrefix(timestamp: line.timestamp, span: line.span, comm: line.comm, pid: line.pid, stream: line.stream,
                        path: line.path, indent: indent, showSpan: showSpan)
        let severe = (line.level ?? .info) >= .error
        text.style(severe ? .red : .none) {
            // A stack trace is one record: its further lines go under the first, indented.
            line.text.withUnsafeBufferPointer {
                text.appendEscaped(bytes: $0, keepingTabs: true, lineBreakIndent: indent + 1, droppingColors: true)
            }
        }
        if line.truncated { text.style(.yellow) { buffer.append(" [truncated]") } }
        buffer.append(0x0A)
    }

    /// Time, span, writer and stream: what goes before a line's text.
    private func writeLinePrefix(timestamp: Int64, span: SpanSummary?, comm: String, pid: Int32, stream: LogStream,
                                 path: String?, indent: Int, showSpan: Bool) {
        text.appendIndent(indent)
        text.appendTime(timestamp)
        buffer.append(" ")
        if showSpan {
            if let span {
                text.style(.cyan) { text.appendSpanLabel(span) }
            } else {
                text.style(.dim) { buffer.append("-") }
            }
            buffer.append(" ")
        }
        text.style(.dim) {
            text.appendEscaped(comm)
            buffer.append("[")
            buffer.appendDecimal(pid)
            buffer.append("] ")
            switch stream {
            case .stdout: buffer.append("out")
            case .stderr: buffer.append("err")
            case .file: text.appendEscaped(path ?? "file")
            }
        }
        buffer.append("  ")
    }

    // MARK: Lines that wait for their end

    public var wantsPreviews: Bool { showsPartialLines && mode == .live }

    /// Shows what a line has so far (a prompt), on a line of the view that stays open: more of
    /// it is added as it comes, and the next record ends it. The whole line follows as its own
    /// record once it ends.
    public func preview(_ line: LinePreview) {
        let continuing = openPreview.map { $0.pid == line.pid && $0.stream == line.stream && line.shownBefore > 0 } ?? false
        if !continuing {
            endPreview()
            writeLinePrefix(timestamp: line.timestamp, span: line.span, comm: line.comm, pid: line.pid, stream: line.stream,
                            path: line.path, indent: 0, showSpan: true)
        }
        let new = line.text.dropFirst(continuing ? line.shownBefore : 0)
        new.withUnsafeBufferPointer { text.appendEscaped(bytes: $0, keepingTabs: true, droppingColors: true) }
        openPreview = (line.pid, line.stream)
        flush()
    }

    private func endPreview() {
        guard openPreview != nil else { return }
        openPreview = nil
        buffer.append(0x0A)
    }

    private func writeAlert(_ alert: AlertRecord, indent: Int) {
        text.appendIndent(indent)
        if indent == 0 {
            text.appendTime(alert.timestamp)
            buffer.append(" ")
        }
        let colour: TerminalText.Style = alert.priority >= .error ? .boldRed : alert.priority >= .warning ? .yellow : .cyan
        text.style(colour) {
            buffer.append("! ")
            buffer.append(string: alert.priority.name.uppercased())
            buffer.append(" ")
            text.appendEscaped(alert.rule)
            buffer.append(": ")
            text.appendEscaped(alert.message)
        }
        if indent == 0 {
            buffer.append("  ")
            text.style(.cyan) { text.appendSpanLabel(alert.span.summary) }
        }
        if alert.suppressed > 0 {
            text.style(.dim) {
                buffer.append(" (")
                buffer.appendDecimal(alert.suppressed)
                buffer.append(" more throttled)")
            }
        }
        buffer.append(0x0A)
    }

    private func reportMarkerError(_ warning: WarningRecord) {
        guard let markerErrors else { return }
        guard markerErrorThrottle.admit(at: warning.timestamp, heldBack: { write(MarkerErrorThrottle.notShownLine($0), to: markerErrors) }) else {
            return
        }
        // Its own bytes, written at once: the main view may hold bytes back until it flushes.
        let main = buffer.count
        writeWarning(warning)
        let line = buffer.bytes[main...]
        buffer.truncate(to: main)
        line.withUnsafeBytes { markerErrors.write($0) }
    }

    private func reportMarkerErrorsNotShown() {
        guard let markerErrors else { return }
        let count = markerErrorThrottle.takeNotShown()
        if count > 0 { write(MarkerErrorThrottle.notShownLine(count), to: markerErrors) }
    }

    private func write(_ line: String, to output: ByteOutput) {
        var line = line
        line.withUTF8 { output.write(UnsafeRawBufferPointer($0)) }
    }

    private func writeWarning(_ warning: WarningRecord) {
        text.appendTime(warning.timestamp)
        buffer.append(" ")
        text.style(.yellow) {
            buffer.append("warning: ")
            buffer.append(string: warning.kind.rawValue)
            buffer.append(": ")
            text.appendEscaped(warning.message)
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
            case .string(let detail):
                buffer.append(0x22)
                text.appendEscaped(detail)
                buffer.append(0x22)
            case .integer(let number): buffer.appendDecimal(number)
            }
        }
        buffer.append(0x0A)
    }
}
