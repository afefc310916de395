import SpanlogCore

/// Bytes on their way to a terminal or a text file: the text outputs' buffer, their styles
/// (only when colour is on), and the escaping that keeps what traced programs wrote from
/// acting on the terminal.
package final class TerminalText {
    let buffer = ByteBuffer()
    let color: Bool

    init(color: Bool) {
        self.color = color
    }

    func appendSpanLabel(_ span: SpanSummary) {
        if span.tags.isEmpty { buffer.append(string: SpanSummary.untaggedName) } else { appendEscaped(span.tagPath) }
        buffer.append("#")
        buffer.appendHex(span.uid.sequence)
    }

    func appendArgs(_ args: MarkerArgs) {
        for (index, arg) in args.enumerated() {
            if index > 0 { buffer.append(" ") }
            appendEscaped(arg.name)
            buffer.append("=")
            appendEscaped(arg.value)
        }
    }

    func appendEscaped(_ string: String) {
        var string = string
        string.withUTF8 { appendEscaped(bytes: $0, keepingTabs: false) }
    }

    /// Text from traced programs, made safe for a terminal: control bytes (escape sequences,
    /// newlines that would split a record, C1 controls) are shown escaped (`\e`, `\n`, `\x07`,
    /// `\u{9b}`), bytes that are not UTF-8 as U+FFFD, so nothing a program wrote can move the
    /// cursor or retitle the terminal. Line text keeps its tabs; in it a newline starts an
    /// indented line (`lineBreakIndent`, stack traces) and colour sequences are dropped.
    func appendEscaped(bytes: UnsafeBufferPointer<UInt8>, keepingTabs: Bool, lineBreakIndent: Int? = nil,
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

    func appendIndent(_ level: Int) {
        for _ in 0..<level { buffer.append("    ") }
    }

    /// Time of day, UTC, to the millisecond.
    func appendTime(_ nanoseconds: Int64) {
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

    enum Style {
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

    func style(_ style: Style, _ body: () -> Void) {
        guard color, style != .none else {
            body()
            return
        }
        buffer.append(style.escape)
        body()
        buffer.append("\u{1B}[0m")
    }
}

/// The text view's own writing of times, span labels, arguments and traced programs' text, as
/// strings without colour: `spanlog top` draws its screen from the same pieces, so both show
/// a span, a line and an escape sequence the same way.
extension TerminalText {
    private static func plain(_ write: (TerminalText) -> Void) -> String {
        let text = TerminalText(color: false)
        write(text)
        return text.buffer.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// `12:00:05.123`, UTC.
    package static func timeOfDay(_ nanoseconds: Int64) -> String { plain { $0.appendTime(nanoseconds) } }

    /// `checkout#1b`.
    package static func spanLabel(_ span: SpanSummary) -> String { plain { $0.appendSpanLabel(span) } }

    /// `user=42 path=/home`.
    package static func args(_ args: MarkerArgs) -> String { plain { $0.appendArgs(args) } }

    /// A name or message from a traced program (a command name, a path), escaped.
    package static func escaped(_ string: String) -> String { plain { $0.appendEscaped(string) } }

    /// A line's text as the text view shows it: colour sequences dropped, other control bytes
    /// escaped (`\e[2J`), tabs kept.
    package static func lineText(_ bytes: [UInt8]) -> String {
        plain { text in bytes.withUnsafeBufferPointer { text.appendEscaped(bytes: $0, keepingTabs: true, droppingColors: true) } }
    }
}
