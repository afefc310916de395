import SpanlogCore

/// Checks marker lines for `spanlog markers lint` and describes each one.
public struct MarkerLintReport {
    public private(set) var valid = 0
    public private(set) var invalid = 0

    public init() {}

    /// Lints every non-blank line of `bytes`; returns the report text (or JSON Lines).
    public mutating func lint(_ bytes: [UInt8], name: String, json: Bool) -> String {
        var out = ""
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let line = bytes[start..<newline]
            lineNumber += 1
            start = newline + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            var result = MarkerParser.parseLine(line, terminated: true)
            // What a traced program's /dev/null writes would be ignored as, not read as a marker.
            if case .invalid = result, !MarkerParser.looksLikeMarker(line) {
                result = .invalid(MarkerError("not a marker: spanlog ignores lines written to /dev/null that do not start like one (>:, <:, =: or [\")",
                                              column: 1))
            }
            switch result {
            case .marker(let marker, let trailing):
                valid += 1
                let ignored = trailing.contains { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D && $0 != 0 }
                let warning = ignored ? "bytes after the final ':' are ignored" : nil
                let warningColumn = line.count - trailing.count + 1
                if json {
                    out += Self.json(marker, warning: warning) + "\n"
                } else {
                    out += "\(name):\(lineNumber): ok: \(Self.describe(marker))\n"
                    if let warning { out += "\(name):\(lineNumber):\(warningColumn): warning: \(warning)\n" }
                }
            case .invalid(let error):
                invalid += 1
                if json {
                    let buffer = ByteBuffer()
                    JSONEscaper.appendString(error.message, to: buffer)
                    out += "{\"ok\":false,\"error\":\(String(decoding: buffer.bytes, as: UTF8.self)),\"column\":\(error.column)}\n"
                } else {
                    out += "\(name):\(lineNumber):\(error.column): error: \(error.message)\n"
                }
            case .incomplete:
                preconditionFailure("a terminated line is never incomplete")
            }
        }
        return out
    }

    static func describe(_ marker: Marker) -> String {
        let direction = switch marker.direction {
        case .enter: "enter"
        case .exit: "exit"
        case .switchTo: "switch"
        }
        let id: String
        switch marker.id {
        case .global: id = "global (0)"
        case .thread: id = "the writing thread's id"
        case .process: id = "the writing process's id"
        case .parent: id = "the parent process's id"
        case .number(let value): id = String(value)
        case .none: id = "none (the thread works for no span)"
        }
        let tags = marker.tags.map { $0.debugDescription }.joined(separator: ", ")
        let args = marker.args.map { "\($0.name.debugDescription)=\($0.value.debugDescription)" }.joined(separator: ", ")
        return "\(direction), id \(id), tags [\(tags)], args [\(args)]"
    }

    /// The JSON object of `markers lint --format json` for a valid marker.
    public static func json(_ marker: Marker, warning: String? = nil) -> String {
        let buffer = ByteBuffer()
        buffer.append("{\"ok\":true,\"dir\":\"")
        buffer.append(marker.direction.rawValue)
        buffer.append("\",\"id\":{\"kind\":\"")
        switch marker.id {
        case .global: buffer.append("global\"}")
        case .thread: buffer.append("thread\"}")
        case .process: buffer.append("process\"}")
        case .parent: buffer.append("parent\"}")
        case .none: buffer.append("none\"}")
        case .number(let value):
            buffer.append("number\",\"value\":")
            buffer.appendDecimal(value)
            buffer.append("}")
        }
        buffer.append(",\"tags\":[")
        for (index, tag) in marker.tags.enumerated() {
            if index > 0 { buffer.append(",") }
            JSONEscaper.appendString(tag, to: buffer)
        }
        buffer.append("],\"args\":[")
        for (index, arg) in marker.args.enumerated() {
            if index > 0 { buffer.append(",") }
            buffer.append("[")
            JSONEscaper.appendString(arg.name, to: buffer)
            buffer.append(",")
            JSONEscaper.appendString(arg.value, to: buffer)
            buffer.append("]")
        }
        buffer.append("]")
        if let warning {
            buffer.append(",\"warning\":")
            JSONEscaper.appendString(warning, to: buffer)
        }
        buffer.append("}")
        return String(decoding: buffer.bytes, as: UTF8.self)
    }
}
