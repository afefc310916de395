import SpanlogCore

/// View 2: the spans of one tag path, the slowest kept first, then the most recent.
struct SpanListView {
    let tags: [String]
    private(set) var slowest: [SpanRecord] = []
    private(set) var recent: [SpanRecord] = []
    private(set) var cursor = ListCursor()
    private var selectedUID: SpanUID?
    /// How many ended spans of all paths the model holds, for the empty list's message.
    private var heldLimit = 0

    init(tags: [String]) {
        self.tags = tags
    }

    var title: String { tags.isEmpty ? SpanSummary.untaggedName : tags.joined(separator: ".") }

    /// Spans in list order (slowest, then recent); the same span can be in both.
    private var entries: [SpanRecord] { slowest + recent }

    var selected: SpanRecord? {
        let all = entries
        return all.indices.contains(cursor.selected) ? all[cursor.selected] : nil
    }

    mutating func refresh(from model: TopModel, context: ViewContext) {
        heldLimit = model.limits.spans
        slowest = model.slowestSpans(of: tags)
        recent = model.recentSpans(of: tags, limit: 500)
        let all = entries
        if let selectedUID, let position = all.firstIndex(where: { $0.summary.uid == selectedUID }) {
            cursor.selected = position
        }
        cursor.clamp(count: all.count, visible: visibleRows(context))
        selectedUID = selected?.summary.uid
    }

    /// Rows for spans: the body less the column headings and the two section headings.
    private func visibleRows(_ context: ViewContext) -> Int { max(1, context.rows - 3) }

    func header(context: ViewContext) -> ScreenLine {
        var line = ScreenLine(fill: .header)
        line.append("START", .header, columns: 13)
        line.append("DURATION", .header, columns: 10, alignRight: true)
        line.append("  OUTCOME ", .header, columns: 12)
        line.append("PROCESS", .header, columns: 18)
        line.append("ID", .header, columns: 8)
        line.append("ARGS", .header)
        return line
    }

    func body(context: ViewContext) -> [ScreenLine] {
        var lines = [header(context: context)]
        let all = entries
        guard !all.isEmpty else {
            lines.append(ScreenLine("  No span of \(title) is held (the last \(Format.count(heldLimit)) spans of all paths are).", .dim))
            return lines
        }
        let visible = visibleRows(context)
        let end = min(all.count, cursor.top + visible)
        var position = cursor.top
        while position < end {
            if position == 0 && !slowest.isEmpty {
                lines.append(ScreenLine(" Slowest \(slowest.count), kept with their lines", .bold))
            }
            if position == slowest.count {
                lines.append(ScreenLine(" Most recent", .bold))
            }
            lines.append(row(all[position], selected: position == cursor.selected, context: context))
            position += 1
        }
        return lines
    }

    private func row(_ span: SpanRecord, selected: Bool, context: ViewContext) -> ScreenLine {
        func style(_ normal: TerminalStyle) -> TerminalStyle { selected ? .selected : normal }
        var line = ScreenLine(fill: selected ? .selected : nil)
        line.append(Format.time(span.start), style(.dim), columns: 13)
        line.append(Format.duration(span.durationNanoseconds, context.glyphs), style(.normal), columns: 10, alignRight: true)
        let (outcome, outcomeStyle) = Format.outcome(span)
        line.append("  ")
        line.append(outcome + (span.alerts > 0 ? " " + context.glyphs.alert : ""), style(outcomeStyle), columns: 10)
        line.append("\(Format.text(span.comm))[\(span.pid)]", style(.normal), columns: 18)
        line.append(String(span.summary.id), style(.normal), columns: 8)
        line.append(Format.args(of: span), style(.normal))
        return line.truncated(to: context.columns, ellipsis: context.glyphs.ellipsis)
    }

    mutating func move(_ move: ListCursor.Move, context: ViewContext) {
        cursor.move(move, count: entries.count, visible: visibleRows(context))
        selectedUID = selected?.summary.uid
    }
}
