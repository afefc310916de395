import SpanlogCore

/// View 5: the alerts as they come, the newest at the top.
struct AlertsView {
    private(set) var alerts: [AlertRecord] = []
    private(set) var cursor = ListCursor()
    private var followNewest = true

    var selected: AlertRecord? { alerts.indices.contains(cursor.selected) ? alerts[cursor.selected] : nil }

    mutating func refresh(from model: TopModel, context: ViewContext) {
        let previous = selected
        alerts = model.heldAlerts().reversed()
        // Keep the same alert under the cursor as new ones arrive above it.
        if !followNewest, let previous,
           let position = alerts.firstIndex(where: { $0.timestamp == previous.timestamp && $0.rule == previous.rule
                                                     && $0.span.summary.uid == previous.span.summary.uid }) {
            cursor.selected = position
        }
        cursor.clamp(count: alerts.count, visible: context.rows - 1)
    }

    func body(context: ViewContext) -> [ScreenLine] {
        var header = ScreenLine(fill: .header)
        header.append("TIME", .header, columns: 13)
        header.append("PRIORITY", .header, columns: 10)
        header.append("RULE", .header, columns: 24)
        header.append("SPAN", .header, columns: 22)
        header.append("MESSAGE", .header)
        var lines = [header]
        guard !alerts.isEmpty else {
            lines.append(ScreenLine("  No alert yet.", .dim))
            return lines
        }
        let end = min(alerts.count, cursor.top + context.rows - 1)
        for position in cursor.top..<end {
            let alert = alerts[position]
            let isSelected = position == cursor.selected
            func style(_ normal: TerminalStyle) -> TerminalStyle { isSelected ? .selected : normal }
            var line = ScreenLine(fill: isSelected ? .selected : nil)
            line.append(Format.time(alert.timestamp), style(.dim), columns: 13)
            line.append(alert.priority.name.uppercased(), style(Format.priorityStyle(alert.priority)), columns: 10)
            line.append(ScreenLine.cut(alert.rule, to: 23, ellipsis: context.glyphs.ellipsis), style(.normal), columns: 24)
            line.append(ScreenLine.cut(Format.label(alert.span.summary), to: 21, ellipsis: context.glyphs.ellipsis),
                        style(.cyan), columns: 22)
            var message = Format.text(alert.message)
            if alert.suppressed > 0 { message += " (+\(alert.suppressed) throttled)" }
            line.append(message, style(.normal))
            lines.append(line.truncated(to: context.columns, ellipsis: context.glyphs.ellipsis))
        }
        return lines
    }

    mutating func move(_ move: ListCursor.Move, context: ViewContext) {
        cursor.move(move, count: alerts.count, visible: context.rows - 1)
        followNewest = cursor.selected == 0
    }
}
