import SpanlogCore

/// View 3: one span: its waterfall of nested children, its alerts, its I/O, then its lines.
struct SpanDetailView {
    let uid: SpanUID
    /// The span as the view was opened on it (an alert's span may still have been open).
    private var span: SpanRecord
    private(set) var content: [ScreenLine] = []
    private(set) var scroll = 0

    init(span: SpanRecord) {
        uid = span.summary.uid
        self.span = span
    }

    var title: String { Format.label(span.summary) }
    var tagsOfSpan: [String] { span.summary.tags }

    mutating func refresh(from model: TopModel, context: ViewContext) {
        // The ended span, once it has ended (it was open when an alert named it).
        if let ended = model.span(uid) { span = ended }
        content = Self.describe(span, model: model, context: context)
        scroll = max(0, min(scroll, content.count - context.rows))
    }

    func body(context: ViewContext) -> [ScreenLine] {
        Array(content.dropFirst(scroll).prefix(context.rows))
    }

    mutating func move(_ move: ListCursor.Move, context: ViewContext) {
        let page = max(1, context.rows - 1)
        switch move {
        case .up: scroll -= 1
        case .down: scroll += 1
        case .pageUp: scroll -= page
        case .pageDown: scroll += page
        case .home: scroll = 0
        case .end: scroll = content.count
        }
        scroll = max(0, min(scroll, content.count - context.rows))
    }

    static func describe(_ span: SpanRecord, model: TopModel, context: ViewContext) -> [ScreenLine] {
        let glyphs = context.glyphs
        var lines: [ScreenLine] = []
        var title = ScreenLine()
        title.append(" ")
        title.append(Format.label(span.summary), .cyan)
        let (outcome, outcomeStyle) = Format.outcome(span)
        let reasons = span.outcome.reasons.words
        title.append("  ")
        title.append(outcome + (reasons.isEmpty ? "" : " (" + reasons.joined(separator: ", ") + ")"), outcomeStyle)
        title.append("  " + Format.duration(span.durationNanoseconds, glyphs), .bold)
        title.append("  \(Format.text(span.comm))[\(span.pid)] thread \(span.tid)  started \(Format.time(span.start))")
        lines.append(title.truncated(to: context.columns, ellipsis: glyphs.ellipsis))
        let args = Format.args(of: span)
        if !args.isEmpty { lines.append(ScreenLine(" args: " + args)) }
        var identity = " trace \(span.summary.trace.traceIDHex) span \(span.summary.trace.spanIDHex)"
        if let parent = span.parent { identity += "  parent #" + String(parent.sequence, radix: 16) }
        if let container = span.container { identity += "  container \(container.prefix(12))" }
        lines.append(ScreenLine(identity, .dim))

        // The waterfall: each held descendant as a bar on the span's time axis.
        let family = model.family(of: span)
        lines.append(ScreenLine())
        lines.append(ScreenLine(" Waterfall (\(family.count) span\(family.count == 1 ? "" : "s") held)", .bold))
        let labelWidth = min(40, max(16, context.columns / 3))
        let durationWidth = 10
        let barWidth = max(10, context.columns - labelWidth - durationWidth - 3)
        let total = max(1, span.durationNanoseconds)
        for (member, depth) in family {
            var line = ScreenLine(" ")
            let label = String(repeating: "  ", count: depth) + Format.label(member.summary)
            line.append(ScreenLine.cut(label, to: labelWidth - 1, ellipsis: glyphs.ellipsis), member.outcome.failed ? .red : .cyan,
                        columns: labelWidth)
            line.append(Format.duration(member.durationNanoseconds, glyphs), .normal, columns: durationWidth - 1, alignRight: true)
            line.append(" ")
            let offset = Double(member.start &- span.start) / Double(total)
            let length = Double(max(0, member.durationNanoseconds)) / Double(total)
            let from = max(0, min(barWidth - 1, Int((offset * Double(barWidth)).rounded(.down))))
            let width = max(1, min(barWidth - from, Int((length * Double(barWidth)).rounded())))
            line.append(String(repeating: " ", count: from))
            line.append(String(repeating: glyphs.bar, count: width), member.outcome.failed ? .red : .green)
            lines.append(line)
        }

        let members = Set(family.map(\.span.summary.uid))
        let alerts = model.alerts.elements.filter { members.contains($0.span.summary.uid) }
        if !alerts.isEmpty {
            lines.append(ScreenLine())
            lines.append(ScreenLine(" Alerts (\(alerts.count))", .bold))
            for alert in alerts {
                var line = ScreenLine("   \(Format.time(alert.timestamp)) ")
                line.append(alert.priority.name.uppercased(), Format.priorityStyle(alert.priority))
                line.append(" \(alert.rule): " + Format.text(alert.message))
                lines.append(line.truncated(to: context.columns, ellipsis: glyphs.ellipsis))
            }
        }

        lines.append(ScreenLine())
        lines.append(ScreenLine(" I/O", .bold))
        let io = span.io
        func stream(_ name: String, _ count: Int, _ bytes: Int) -> String {
            "\(name) \(Format.count(count)) line\(count == 1 ? "" : "s"), \(ByteCountFormatter.string(bytes: Double(bytes)))"
        }
        lines.append(ScreenLine("   " + [stream("stdout", io.stdoutLines, io.stdoutBytes), stream("stderr", io.stderrLines, io.stderrBytes),
                                      stream("files", io.fileLines, io.fileBytes)].joined(separator: " · ")))
        if let calls = io.syscalls {
            lines.append(ScreenLine("   thread: read \(ByteCountFormatter.string(bytes: Double(calls.readBytes))) in \(Format.count(calls.reads)) calls, wrote \(ByteCountFormatter.string(bytes: Double(calls.writtenBytes))) in \(Format.count(calls.writes)) calls"))
        } else {
            lines.append(ScreenLine("   (system-call figures with --span-io)", .dim))
        }

        let (held, notKept) = model.heldLines(of: span, limit: 10_000)
        lines.append(ScreenLine())
        var heading = ScreenLine(" Lines (\(Format.count(held.count))", .bold)
        if notKept > 0 {
            heading.append(", \(Format.count(notKept)) more no longer held", .yellow)
        }
        heading.append(")", .bold)
        lines.append(heading)
        var labels: [SpanUID: String] = [:]
        for (member, _) in family { labels[member.summary.uid] = Format.label(member.summary) }
        for line in held {
            var row = ScreenLine("   ")
            row.append(Format.time(line.timestamp), .dim)
            if let owner = line.span, owner != span.summary.uid, let label = labels[owner] {
                row.append(" " + label, .cyan)
            }
            let stream: String = switch line.stream {
            case .stdout: "out"
            case .stderr: "err"
            case .file: Format.text(line.path ?? "file")
            }
            row.append(" " + stream + " ", .dim)
            row.append(Format.line(line.text), Format.levelStyle(line.level))
            if line.truncated { row.append(" [truncated]", .yellow) }
            lines.append(row.truncated(to: context.columns, ellipsis: glyphs.ellipsis))
        }
        return lines
    }
}
