/// Writes records as JSON Lines. Field names and order are stable API (docs/records.md).
public final class JSONRenderer: RecordSink {
    private let output: ByteOutput
    private let buffer = ByteBuffer()
    private let scratch = ByteBuffer(flushThreshold: 0)
    private var timestamps = TimestampFormatter()
    /// Consecutive lines usually share a writer and a span: their JSON is rendered once.
    private var cachedWriter: (pid: Int32, tid: Int32, stream: LogStream, comm: String, json: [UInt8]) =
        (-1, -1, .stdout, "", [])
    private var cachedSpan: (uid: SpanUID, json: [UInt8])?

    public init(output: ByteOutput) {
        self.output = output
    }

    public func emit(_ record: Record) {
        switch record {
        case .line(let line): writeLine(line)
        case .span(let span): writeSpan(span)
        case .warning(let warning): writeWarning(warning)
        case .stats(let stats): writeStats(stats)
        }
        buffer.append(0x0A)
        buffer.drainIfFull(to: output)
    }

    public func finish() {
        flush()
    }

    /// Hands buffered bytes to the output (the live pipeline calls this when it goes idle).
    public func flush() {
        buffer.drain(to: output)
        output.flush()
    }

    private func writeLine(_ line: LineRecord) {
        let buffer = self.buffer
        buffer.append("{\"type\":\"line\",\"ts\":\"")
        timestamps.append(line.timestamp, to: buffer)
        buffer.append(0x22)
        // pid, tid, comm and stream repeat from line to line: render them once per writer.
        if cachedWriter.pid != line.pid || cachedWriter.tid != line.tid || cachedWriter.stream != line.stream
            || cachedWriter.comm != line.comm {
            scratch.removeAll()
            scratch.append(",\"pid\":")
            scratch.appendDecimal(line.pid)
            scratch.append(",\"tid\":")
            scratch.appendDecimal(line.tid)
            scratch.append(",\"comm\":")
            JSONEscaper.appendString(line.comm, to: scratch)
            scratch.append(",\"stream\":\"")
            scratch.append(line.stream.rawValue)
            scratch.append(0x22)
            cachedWriter = (line.pid, line.tid, line.stream, line.comm, scratch.bytes)
        }
        buffer.append(bytes: cachedWriter.json)
        if let path = line.path {
            buffer.append(",\"path\":")
            JSONEscaper.appendString(path, to: buffer)
        }
        buffer.append(",\"text\":")
        JSONEscaper.appendBytes(line.text, to: buffer)
        buffer.append(",\"level\":")
        appendLevel(line.level)
        buffer.append(line.truncated ? ",\"truncated\":true,\"span\":" : ",\"truncated\":false,\"span\":")
        if let span = line.span {
            if cachedSpan?.uid != span.uid {
                scratch.removeAll()
                scratch.append("{\"uid\":")
                appendUID(span.uid, to: scratch)
                scratch.append(",\"id\":")
                scratch.appendDecimal(span.id)
                scratch.append(",\"tags\":")
                appendTags(span.tags, to: scratch)
                scratch.append(0x7D)
                cachedSpan = (span.uid, scratch.bytes)
            }
            buffer.append(bytes: cachedSpan!.json)
        } else {
            buffer.append("null")
        }
        buffer.append(0x7D)
    }

    private func writeSpan(_ span: SpanRecord) {
        buffer.append("{\"type\":\"span\",\"uid\":")
        appendUID(span.summary.uid, to: buffer)
        buffer.append(",\"id\":")
        buffer.appendDecimal(span.summary.id)
        buffer.append(",\"tags\":")
        appendTags(span.summary.tags, to: buffer)
        buffer.append(",\"parent\":")
        if let parent = span.parent { appendUID(parent, to: buffer) } else { buffer.append("null") }
        buffer.append(",\"depth\":")
        buffer.appendDecimal(span.depth)
        buffer.append(",\"pid\":")
        buffer.appendDecimal(span.pid)
        buffer.append(",\"tid\":")
        buffer.appendDecimal(span.tid)
        buffer.append(",\"comm\":")
        JSONEscaper.appendString(span.comm, to: buffer)
        buffer.append(",\"start\":\"")
        timestamps.append(span.start, to: buffer)
        buffer.append("\",\"end\":\"")
        timestamps.append(span.end, to: buffer)
        buffer.append("\",\"duration_ns\":")
        buffer.appendDecimal(span.durationNanoseconds)
        buffer.append(",\"enter_args\":")
        appendArgs(span.enterArgs)
        buffer.append(",\"exit_args\":")
        appendArgs(span.exitArgs)
        buffer.append(",\"lines\":")
        buffer.appendDecimal(span.lines)
        buffer.append(",\"errors\":")
        buffer.appendDecimal(span.errors)
        buffer.append(",\"status\":\"")
        buffer.append(span.status.rawValue)
        buffer.append("\",\"container\":")
        if let container = span.container { JSONEscaper.appendString(container, to: buffer) } else { buffer.append("null") }
        buffer.append(0x7D)
    }

    private func writeWarning(_ warning: WarningRecord) {
        buffer.append("{\"type\":\"warning\",\"ts\":\"")
        timestamps.append(warning.timestamp, to: buffer)
        buffer.append("\",\"kind\":\"")
        buffer.append(warning.kind.rawValue)
        buffer.append("\",\"message\":")
        JSONEscaper.appendString(warning.message, to: buffer)
        if let pid = warning.pid {
            buffer.append(",\"pid\":")
            buffer.appendDecimal(pid)
        }
        if let tid = warning.tid {
            buffer.append(",\"tid\":")
            buffer.appendDecimal(tid)
        }
        for (name, value) in warning.details {
            buffer.append(0x2C)
            JSONEscaper.appendString(name, to: buffer)
            buffer.append(0x3A)
            switch value {
            case .string(let text): JSONEscaper.appendString(text, to: buffer)
            case .integer(let number): buffer.appendDecimal(number)
            }
        }
        buffer.append(0x7D)
    }

    private func writeStats(_ record: StatsRecord) {
        buffer.append("{\"type\":\"stats\",\"ts\":\"")
        timestamps.append(record.timestamp, to: buffer)
        buffer.append(0x22)
        for (name, value) in record.stats.fields {
            buffer.append(",\"")
            buffer.append(name)
            buffer.append("\":")
            buffer.appendDecimal(value)
        }
        buffer.append(0x7D)
    }

    private func appendLevel(_ level: LogLevel?) {
        switch level {
        case nil: buffer.append("null")
        case .trace: buffer.append("\"trace\"")
        case .debug: buffer.append("\"debug\"")
        case .info: buffer.append("\"info\"")
        case .notice: buffer.append("\"notice\"")
        case .warning: buffer.append("\"warning\"")
        case .error: buffer.append("\"error\"")
        case .critical: buffer.append("\"critical\"")
        }
    }

    private func appendUID(_ uid: SpanUID, to buffer: ByteBuffer) {
        buffer.append(0x22)
        buffer.appendHex(UInt64(uid.session), minimumDigits: 8)
        buffer.append(0x2D)
        buffer.appendHex(uid.sequence)
        buffer.append(0x22)
    }

    private func appendTags(_ tags: [String], to buffer: ByteBuffer) {
        buffer.append(0x5B)
        for (index, tag) in tags.enumerated() {
            if index > 0 { buffer.append(0x2C) }
            JSONEscaper.appendString(tag, to: buffer)
        }
        buffer.append(0x5D)
    }

    /// An object keeping the first value of a duplicated name (JSON objects cannot repeat keys).
    private func appendArgs(_ args: [(name: String, value: String)]) {
        buffer.append(0x7B)
        // Argument lists are short: a scan of the earlier names beats building a set, except
        // for the rare long list.
        var seen: Set<String>? = args.count > 16 ? [] : nil
        var first = true
        for (index, (name, value)) in args.enumerated() {
            if let inserted = seen?.insert(name).inserted {
                if !inserted { continue }
            } else if args[..<index].contains(where: { $0.name == name }) {
                continue
            }
            if !first { buffer.append(0x2C) }
            first = false
            JSONEscaper.appendString(name, to: buffer)
            buffer.append(0x3A)
            JSONEscaper.appendString(value, to: buffer)
        }
        buffer.append(0x7D)
    }
}

extension EngineStats {
    /// Counter names as they appear in stats records, in a fixed order.
    public var fields: [(name: String, value: Int64)] {
        [
            ("events", Int64(events)), ("writes", Int64(writes)), ("lines", Int64(lines)),
            ("markers", Int64(markers)), ("marker_errors", Int64(markerErrors)),
            ("discarded_lines", Int64(discardedLines)), ("unmatched_exits", Int64(unmatchedExits)),
            ("spans_started", Int64(spansStarted)), ("spans_ended", Int64(spansEnded)),
            ("open_spans", Int64(openSpans)), ("abandoned_spans", Int64(abandonedSpans)),
            ("timed_out_spans", Int64(timedOutSpans)), ("evicted_spans", Int64(evictedSpans)),
            ("truncated_lines", Int64(truncatedLines)), ("truncated_writes", Int64(truncatedWrites)),
            ("uncaptured_bytes", Int64(uncapturedBytes)), ("lost_events", Int64(clamping: lostEvents)),
        ]
    }
}

/// JSON string encoding. Bytes that are not valid UTF-8 are written as `\udcXX` (the
/// "surrogateescape" convention), so a consumer can recover the exact bytes.
enum JSONEscaper {
    static func appendString(_ string: String, to buffer: ByteBuffer) {
        var string = string
        string.withUTF8 { appendBytes($0, to: buffer) }
    }

    static func appendBytes(_ bytes: ArraySlice<UInt8>, to buffer: ByteBuffer) {
        bytes.withUnsafeBufferPointer { appendBytes($0, to: buffer) }
    }

    static func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>, to buffer: ByteBuffer) {
        buffer.append(0x22)
        let count = bytes.count
        var index = 0
        var runStart = 0
        let base = UnsafeRawPointer(bytes.baseAddress)
        while index < count {
            // Eight plain ASCII bytes at a time: no control byte, no '"', no '\\', no high bit.
            if let base, index + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if !Self.needsAttention(word) {
                    index += 8
                    continue
                }
            }
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x80 && byte != 0x22 && byte != 0x5C {
                index += 1
                continue
            }
            if byte >= 0x80 {
                let length = validUTF8Length(bytes, at: index)
                if length > 0 {
                    index += length
                    continue
                }
            }
            if runStart < index { buffer.append(bytes: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            appendEscape(byte, to: buffer)
            index += 1
            runStart = index
        }
        if runStart < count { buffer.append(bytes: UnsafeBufferPointer(rebasing: bytes[runStart..<count])) }
        buffer.append(0x22)
    }

    @inline(__always) private static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ value: UInt64) -> Bool { (value &- ones) & ~value & highs != 0 }
        let control = (word &- 0x2020_2020_2020_2020) & ~word & highs != 0
        return word & highs != 0 || control || hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C))
    }

    private static func appendEscape(_ byte: UInt8, to buffer: ByteBuffer) {
        switch byte {
        case 0x22: buffer.append("\\\"")
        case 0x5C: buffer.append("\\\\")
        case 0x0A: buffer.append("\\n")
        case 0x0D: buffer.append("\\r")
        case 0x09: buffer.append("\\t")
        case 0x80...: 
            buffer.append("\\udc")
            buffer.appendHex(UInt64(byte), minimumDigits: 2)
        default:
            buffer.append("\\u00")
            buffer.appendHex(UInt64(byte), minimumDigits: 2)
        }
    }

    /// Length of the well-formed UTF-8 sequence starting at `index`, or 0.
    static func validUTF8Length(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        var lowerBound: UInt8 = 0x80, upperBound: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upperBound = 0x9F
        case 0xF0: length = 4; lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upperBound = 0x8F
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        let second = bytes[index + 1]
        guard second >= lowerBound, second <= upperBound else { return 0 }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 { return 0 }
        return length
    }
}
