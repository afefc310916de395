import SpanlogCore
import SpanlogOutputs

/// What a view draws with: the room it has and the characters the terminal can show.
struct ViewContext {
    /// Rows for the view's body: the screen less the title, counters and key bars.
    var rows: Int
    var columns: Int
    var glyphs: Glyphs
}

/// How views write numbers, durations and times.
enum Format {
    /// 1234567 → "1,234,567".
    static func count<Number: BinaryInteger>(_ value: Number) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return value < 0 ? "-" + result : result
    }

    static func duration(_ nanoseconds: Int64, _ glyphs: Glyphs) -> String {
        let text = DurationFormatter.string(nanoseconds: nanoseconds)
        return glyphs.ellipsis == "…" ? text : text.replacingOccurrences(of: "µs", with: "us")
    }

    static func rate(_ perSecond: Double?) -> String {
        guard let perSecond else { return "-" }
        if perSecond >= 100 { return count(Int((perSecond).rounded())) }
        return String((perSecond * 10).rounded() / 10)
    }

    /// Time of day, UTC, to the millisecond, as the text view writes it (to the second: the
    /// title bar).
    static func time(_ nanoseconds: Int64, millisecond: Bool = true) -> String {
        let text = TerminalText.timeOfDay(nanoseconds)
        return millisecond ? text : String(text.prefix(8))
    }

    static func args(_ args: MarkerArgs) -> String { TerminalText.args(args) }

    /// `enter args -> exit args`, as the text view shows them.
    static func args(of span: SpanRecord) -> String {
        let enter = args(span.enterArgs)
        let exit = args(span.exitArgs)
        if exit.isEmpty { return enter }
        return enter.isEmpty ? "-> " + exit : enter + " -> " + exit
    }

    /// `checkout#1b`, as the text view labels spans.
    static func label(_ span: SpanSummary) -> String { TerminalText.spanLabel(span) }

    /// A name or message a traced program may have had a hand in (a command name, a path, an
    /// alert's message), escaped as the text view escapes it.
    static func text(_ string: String) -> String { TerminalText.escaped(string) }

    /// A line's text as the text view shows it (colour sequences dropped, other control bytes
    /// escaped), its tabs as spaces: a tab would move the terminal's cursor past the widths
    /// the views count.
    static func line(_ bytes: [UInt8]) -> String {
        TerminalText.lineText(bytes).replacingOccurrences(of: "\t", with: "    ")
    }

    static func outcome(_ span: SpanRecord) -> (String, TerminalStyle) {
        let outcome = span.outcome
        switch outcome.verdict {
        case .ok: return ("ok", .green)
        case .failed: return ("failed", .red)
        case .unfinished: return (span.endReason.rawValue.replacingOccurrences(of: "_", with: " "), .yellow)
        }
    }

    static func levelStyle(_ level: LogLevel?) -> TerminalStyle {
        switch level {
        case .error?, .critical?: .red
        case .warning?: .yellow
        case .debug?, .trace?: .dim
        default: .normal
        }
    }

    static func priorityStyle(_ priority: AlertPriority) -> TerminalStyle {
        priority >= .error ? .red : priority == .warning ? .yellow : .normal
    }
}
