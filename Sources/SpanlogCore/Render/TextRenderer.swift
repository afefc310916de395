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
    }

    private let output: ByteOutput
    private let mode: Mode
    private let color: Bool
    private let buffer = ByteBuffer()
    private var blocks: [SpanUID: Block] = [:]

    public init(output: ByteOutput, mode: Mode, color: Bool) {
        self.output = output
        self.mode = mode
        self.color = color
    }

    public func emit(_ record: Record) {
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
        case (.span(let span), .grouped):
            let block = blocks.removeValue(forKey: span.summary.uid) ?? Block()
            if let parent = span.parent, span.parentIsOpen {
                self.block(for: parent).entries.append(.child(span, block))
            } else {
                writeBlock(span, block, indent: 0)
            }
        case (.warning(let warning), _):
            writeWarning(warning)
        case (.stats(let stats), _):
            writeStats(stats.stats, outputs: stats.outputs)
        }
        buffer.drainIfFull(to: output)
    }

    public func finish() {
        flush()
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
        for entry in block.entries {
            switch entry {
            case .line(let line): writeLine(line, indent: indent + 1, showSpan: false)
            case .child(let child, let childBlock): writeBlock(child, childBlock, indent: indent + 1)
            }
        }
    }

    private func writeSpanHeader(_ span: SpanRecord, indent: Int, live: Bool) {
        appendIndent(indent)
        if live {
            appendTime(span.end)
            buffer.append(" ")
        }
        style(.bold) {
            buffer.append(live ? "-- " : "> ")
            appendSpanLabel(span.summary)
        }
        buffer.append("  ")
        style(span.status == .ok ? .green : .yellow) { buffer.append(span.status.rawValue) }
        buffer.append("  ")
        buffer.append(Self.formatDuration(span.durationNanoseconds))
        buffer.append("  lines=")
        buffer.appendDecimal(span.lines)
        buffer.append(" errors=")
        if span.errors > 0 {
            style(.red) { buffer.appendDecimal(span.errors) }
        } else {
            buffer.append("0")
        }
        buffer.append("  ")
        buffer.append(span.comm)
        buffer.append("[")
        buffer.appendDecimal(span.pid)
        buffer.append("]")
        if !span.enterArgs.isEmpty || !span.exitArgs.isEmpty {
            buffer.append("  ")
            appendArgs(span.enterArgs)
            if !span.exitArgs.isEmpty {
                buffer.append(span.enterArgs.isEmpty ? "-> " : " -> ")
                appendArgs(span.exitArgs)
            }
        }
        buffer.append(0x0A)
    }

    private func writeLine(_ line: LineRecord, indent: Int, showSpan: Bool) {
        appendIndent(indent)
        appendTime(line.timestamp)
        buffer.append(" ")
        if showSpan {
            if let span = line.span {
                style(.cyan) { appendSpanLabel(span) }
            } else {
                style(.dim) { buffer.append("-") }
            }
            buffer.append(" ")
        }
        style(.dim) {
            buffer.append(line.comm)
            buffer.append("[")
            buffer.appendDecimal(line.pid)
            buffer.append("] ")
            switch line.stream {
            case .stdout: buffer.append("out")
            case .stderr: buffer.append("err")
            case .file: buffer.append(line.path ?? "file")
            }
        }
        buffer.append("  ")
        let severe = (line.level ?? .info) >= .error
        let text = String(decoding: line.text, as: UTF8.self).map { $0.isASCII && ($0.asciiValue! < 0x20) ? "\u{FFFD}" : $0 }
        style(severe ? .red : .none) { buffer.append(String(text)) }
        if line.truncated { style(.yellow) { buffer.append(" [truncated]") } }
        buffer.append(0x0A)
    }

    private func writeWarning(_ warning: WarningRecord) {
        appendTime(warning.timestamp)
        buffer.append(" ")
        style(.yellow) {
            buffer.append("warning: ")
            buffer.append(warning.kind.rawValue)
            buffer.append(": ")
            buffer.append(warning.message)
        }
        if let pid = warning.pid {
            buffer.append(" (pid ")
            buffer.appendDecimal(pid)
            buffer.append(")")
        }
        for (name, value) in warning.details where name == "marker" || name == "column" {
            buffer.append(" ")
            buffer.append(name)
            buffer.append("=")
            switch value {
            case .string(let text): buffer.append(text.debugDescription)
            case .integer(let number): buffer.appendDecimal(number)
            }
        }
        buffer.append(0x0A)
    }

    private func writeStats(_ stats: EngineStats, outputs: [OutputStatus]) {
        style(.dim) {
            buffer.append("spanlog: ")
            buffer.append(stats.fields.map { "\($0.name.replacingUnderscores)=\($0.value)" }.joined(separator: " "))
        }
        buffer.append(0x0A)
        if stats.lostEvents > 0 {
            style(.red) { buffer.append("spanlog: the kernel dropped \(stats.lostEvents) events; raise --ring-buffer-size\n") }
        }
        for output in outputs where output.error != nil {
            style(.red) {
                buffer.append("spanlog: output \(output.name) failed (\(output.error ?? "")): ")
                buffer.append("\(output.failedWrites) writes, \(output.lostBytes) bytes not delivered\n")
            }
        }
    }

    // MARK: Formatting helpers

    private func appendSpanLabel(_ span: SpanSummary) {
        buffer.append(span.tags.isEmpty ? "(untagged)" : span.tagPath)
        buffer.append("#")
        buffer.appendHex(span.uid.sequence)
    }

    private func appendArgs(_ args: [(name: String, value: String)]) {
        for (index, arg) in args.enumerated() {
            if index > 0 { buffer.append(" ") }
            buffer.append(arg.name)
            buffer.append("=")
            buffer.append(arg.value)
        }
    }

    private func appendIndent(_ level: Int) {
        for _ in 0..<level { buffer.append("    ") }
    }

    /// Time of day, UTC, to the millisecond.
    private func appendTime(_ nanoseconds: Int64) {
        let millisOfDay = (nanoseconds / 1_000_000) % 86_400_000
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

    static func formatDuration(_ nanoseconds: Int64) -> String {
        let value = Double(nanoseconds)
        func fixed(_ number: Double, _ unit: String) -> String {
            let scaled = (number * 10).rounded() / 10
            return (scaled == scaled.rounded() ? String(Int64(scaled)) : String(scaled)) + unit
        }
        switch nanoseconds {
        case ..<1_000: return "\(nanoseconds)ns"
        case ..<1_000_000: return fixed(value / 1e3, "µs")
        case ..<1_000_000_000: return fixed(value / 1e6, "ms")
        default: return fixed(value / 1e9, "s")
        }
    }

    private enum Style {
        case none, bold, dim, red, green, yellow, cyan

        var escape: StaticString {
            switch self {
            case .none: ""
            case .bold: "\u{1B}[1m"
            case .dim: "\u{1B}[2m"
            case .red: "\u{1B}[31m"
            case .green: "\u{1B}[32m"
            case .yellow: "\u{1B}[33m"
            case .cyan: "\u{1B}[36m"
            }
        }
    }

    private func style(_ style: Style, _ body: () -> Void) {
        guard color, style != .none else {
            body()
            return
        }
        buffer.append(style.escape)
        body()
        buffer.append("\u{1B}[0m")
    }
}

extension String {
    fileprivate var replacingUnderscores: String { String(map { $0 == "_" ? "-" : $0 }) }
}
