/// How a run of text looks; the numbers are the terminal shim's (`enum sl_term_style`).
public enum TerminalStyle: Int32, Sendable {
    case normal = 0, bold, dim, red, green, yellow, cyan, header, selected, key
    case heat1, heat2, heat3, heat4, heat5

    static let heat: [TerminalStyle] = [.heat1, .heat2, .heat3, .heat4, .heat5]
}

/// One row of the screen: runs of text, each in a style. Widths count Unicode scalars: what
/// spanlog draws itself is one column per scalar, and a traced program's text is cleaned of
/// control characters first, as the text view escapes them (`Format.line`).
public struct ScreenLine: Sendable, Equatable {
    public struct Run: Sendable, Equatable {
        public var text: String
        public var style: TerminalStyle
    }

    public private(set) var runs: [Run] = []
    public private(set) var width = 0
    /// Paints the rest of the row too (title bars, the selected row).
    public var fill: TerminalStyle?

    public init(_ text: String = "", _ style: TerminalStyle = .normal, fill: TerminalStyle? = nil) {
        self.fill = fill
        if !text.isEmpty { append(text, style) }
    }

    public mutating func append(_ text: String, _ style: TerminalStyle = .normal) {
        guard !text.isEmpty else { return }
        width += text.unicodeScalars.count
        if let last = runs.last, last.style == style {
            runs[runs.count - 1].text += text
        } else {
            runs.append(Run(text: text, style: style))
        }
    }

    /// Appends `text` padded with spaces (or cut) to exactly `columns`, on the right or left.
    public mutating func append(_ text: String, _ style: TerminalStyle = .normal, columns: Int, alignRight: Bool = false) {
        let cut = String(String.UnicodeScalarView(text.unicodeScalars.prefix(max(0, columns))))
        let padding = String(repeating: " ", count: max(0, columns - cut.unicodeScalars.count))
        if alignRight {
            append(padding)
            append(cut, style)
        } else {
            append(cut, style)
            append(padding)
        }
    }

    public mutating func append(_ other: ScreenLine) {
        for run in other.runs { append(run.text, run.style) }
    }

    /// Spaces up to column `column`.
    public mutating func pad(to column: Int) {
        if width < column { append(String(repeating: " ", count: column - width)) }
    }

    /// The row cut to `columns`, with `…` where text was cut.
    public func truncated(to columns: Int, ellipsis: String) -> ScreenLine {
        guard width > columns else { return self }
        var result = ScreenLine(fill: fill)
        for run in runs {
            let room = columns - ellipsis.unicodeScalars.count - result.width
            if room <= 0 { break }
            let count = run.text.unicodeScalars.count
            if count <= room {
                result.append(run.text, run.style)
            } else {
                result.append(String(String.UnicodeScalarView(run.text.unicodeScalars.prefix(room))), run.style)
                break
            }
        }
        result.append(ellipsis, runs.last?.style ?? .normal)
        return result
    }

    /// The row as plain text (tests, batch mode).
    public var text: String { runs.map(\.text).joined() }

    /// `text` cut to `columns`, ending in `ellipsis` where it was cut.
    static func cut(_ text: String, to columns: Int, ellipsis: String) -> String {
        guard text.unicodeScalars.count > columns else { return text }
        guard columns > 0 else { return "" }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(columns - 1))) + ellipsis
    }
}

/// What is drawn in one go: exactly `rows` lines.
public struct Frame: Sendable, Equatable {
    public var lines: [ScreenLine]
    public let columns: Int

    public var text: String { lines.map(\.text).joined(separator: "\n") }
}
