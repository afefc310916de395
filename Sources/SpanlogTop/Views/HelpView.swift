/// `?`: the keys, and what each view shows.
enum HelpView {
    static func body(context: ViewContext, stepping: Bool) -> [ScreenLine] {
        var lines = [ScreenLine(" Keys", .header, fill: .header)]
        var keys: [(String, String)] = [
            ("Up Down PgUp PgDn Home End", "move (also k j)"),
            ("Enter, Right", "open: a span type's spans, a span, an alert's span"),
            ("Esc, Backspace, Left", "back to the view before"),
            ("s", "latency spectrogram of the span type under the cursor (all spans elsewhere)"),
            ("a", "alerts, newest first"),
            ("/", "filter spans with a condition, as --filter takes it (empty: no filter)"),
            ("< >", "sort by the column to the left / right (span types)"),
            ("i", "reverse the sort"),
            ("t", "tree of tag paths, or one flat list"),
            ("p, Space", "pause the display (the session goes on collecting)"),
            ("Ctrl-L", "draw the whole screen again"),
            ("q, Ctrl-C", "quit (a traced command is stopped as Ctrl-C would)"),
        ]
        if stepping {
            keys.append(("[ ]", "step back / forward through the capture"))
            keys.append(("{ }", "halve / double the step"))
            keys.append(("e", "go to the capture's end"))
        }
        for (key, meaning) in keys {
            var line = ScreenLine("  ")
            line.append(key, .cyan, columns: 28)
            line.append(meaning)
            lines.append(line)
        }
        lines.append(ScreenLine())
        lines.append(ScreenLine(" Views", .header, fill: .header))
        for (name, meaning) in [
            ("Span types", "one row per tag path, children under parents: count, rate, failed, alerts, p50/p90/p99/max, lines"),
            ("Spans", "the slowest spans of a type (kept with their lines) and the most recent"),
            ("Span", "waterfall of its nested spans, its alerts, its I/O, its lines"),
            ("Spectrogram", "one column per second, one row per latency bucket, shaded by spans"),
            ("Alerts", "what the rules raised, newest first"),
        ] {
            var line = ScreenLine("  ")
            line.append(name, .bold, columns: 28)
            line.append(meaning)
            lines.append(line)
        }
        lines.append(ScreenLine())
        lines.append(ScreenLine("  Any key closes this help.", .dim))
        return lines.map { $0.truncated(to: context.columns, ellipsis: context.glyphs.ellipsis) }
    }
}
