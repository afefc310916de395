import SpanlogCore

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

    /// Time of day, UTC, to the millisecond (as the text view writes it).
    static func time(_ nanoseconds: Int64, millisecond: Bool = true) -> String {
        let millisOfDay = ((nanoseconds / 1_000_000) % 86_400_000 + 86_400_000) % 86_400_000
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var text = "\(two(millisOfDay / 3_600_000)):\(two(millisOfDay / 60_000 % 60)):\(two(millisOfDay / 1000 % 60))"
        if millisecond {
            let millis = millisOfDay % 1000
            text += "." + (millis < 100 ? "0" : "") + two(millis)
        }
        return text
    }

    static func args(_ args: MarkerArgs) -> String {
        DisplayText.clean(Array(args.map { "\($0.name)=\($0.value)" }.joined(separator: " ").utf8))
    }

    /// `enter args -> exit args`, as the text view shows them.
    static func args(of span: SpanRecord) -> String {
        let enter = args(span.enterArgs)
        let exit = args(span.exitArgs)
        if exit.isEmpty { return enter }
        return enter.isEmpty ? "-> " + exit : enter + " -> " + exit
    }

    static func outcome(_ span: SpanRecord) -> (String, TerminalStyle) {
        let outcome = span.outcome
        switch outcome.verdict {
        case .ok: return ("ok", .green)
        case .failed: return ("failed", .red)
        case .unfinished: return (span.endReason.rawValue.replacingOccurrences(of: "_", with: " "), .yellow)
        }
    }

    /// `checkout#1b`: the path and the span's number, as the text view labels spans.
    static func label(_ span: SpanSummary) -> String {
        DisplayText.clean(Array(span.displayName.utf8)) + "#" + String(span.uid.sequence, radix: 16)
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
