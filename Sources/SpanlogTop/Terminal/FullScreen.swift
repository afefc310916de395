import CSpanlogTerminal

/// The terminal, full screen, through ncursesw: draws frames (ncurses sends only the cells that
/// changed), reads keys, and puts the terminal back as it found it.
final class FullScreen {
    let glyphs: Glyphs
    private var pending: [UInt8] = []
    private var running = false

    enum Problem: Error, CustomStringConvertible {
        case notATerminal
        case unknownTerminal(String)
        case noCursorAddressing(String)
        case refused(String)

        var description: String {
            switch self {
            case .notATerminal: "standard input and output are not a terminal"
            case .unknownTerminal(let term): "TERM=\(term) names no terminal this machine describes (terminfo)"
            case .noCursorAddressing(let term): "TERM=\(term) cannot move the cursor"
            case .refused(let term): "ncurses cannot drive TERM=\(term)"
            }
        }
    }

    /// Why the full screen cannot be used here, or nil.
    static func problem(environment: [String: String], isTerminal: Bool) -> Problem? {
        let term = environment["TERM"] ?? ""
        guard isTerminal else { return .notATerminal }
        switch sl_term_usable() {
        case 0: return nil
        case -2: return .noCursorAddressing(term)
        default: return .unknownTerminal(term)
        }
    }

    /// Box and block characters where the locale's character set is UTF-8 (LC_ALL, LC_CTYPE,
    /// LANG), ASCII elsewhere: the screen and the --batch table alike.
    static var localeGlyphs: Glyphs { sl_term_utf8() != 0 ? .unicode : .ascii }

    init(color: Bool, environment: [String: String]) throws(Problem) {
        glyphs = Self.localeGlyphs
        guard sl_term_start(color ? 1 : 0) == 0 else { throw .refused(environment["TERM"] ?? "") }
        running = true
    }

    var size: (rows: Int, columns: Int) {
        var rows: Int32 = 0, columns: Int32 = 0
        sl_term_size(&rows, &columns)
        return (Int(rows), Int(columns))
    }

    /// The next key, waiting at most `milliseconds`; nil when none came.
    func readKey(milliseconds: Int) -> Key? {
        let code = sl_term_read_key(Int32(max(0, milliseconds)))
        return Key(code: code, pending: &pending)
    }

    func draw(_ frame: Frame) {
        for (row, line) in frame.lines.enumerated() {
            var column = 0
            for run in line.runs {
                var text = run.text
                let count = text.unicodeScalars.count
                text.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        sl_term_put(Int32(row), Int32(column), chars.baseAddress, Int32(chars.count), run.style.rawValue)
                    }
                }
                column += count
            }
            if let fill = line.fill, column < frame.columns {
                var spaces = String(repeating: " ", count: frame.columns - column)
                spaces.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        sl_term_put(Int32(row), Int32(column), chars.baseAddress, Int32(chars.count), fill.rawValue)
                    }
                }
            } else if column < frame.columns {
                sl_term_clear_to_end_of_row(Int32(row), Int32(column))
            }
        }
        sl_term_refresh()
    }

    /// The next draw sends every cell (after a resize, or Ctrl-L).
    func invalidate() {
        sl_term_clear_all()
    }

    func stop() {
        guard running else { return }
        running = false
        sl_term_stop()
    }

    deinit { stop() }
}
