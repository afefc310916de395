import SpanlogCore

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
    /// Span records' tag lists as JSON, rendered once per list.
    private var tagsJSON = TagListCache<[UInt8]>(limit: 1024)
    private var commJSON: (comm: String, json: [UInt8]) = ("", Array("\"\"".utf8))
    private var uidPrefix: (session: UInt32, words: (UInt64, UInt64)?) = (0, nil)

    public init(output: ByteOutput) {
        self.output = output
    }

    public func emit(_ record: Record) {
        switch record {
        case .line(let line): writeLine(line)
        case .span(let span): writeSpan(span)
        case .warning(let warning): writeWarning(warning)
        case .stats(let stats): writeStats(stats)
        case .alert(let alert): writeAlert(alert)
        case .summary(let summary):
            writeSummary(summary)  // one record per row, each with its own line end
            buffer.drainIfFull(to: output)
            return
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
            scratch.append(string: line.stream.rawValue)
            scratch.append(0x22)
            cachedWriter = (line.pid, line.tid, line.stream, line.comm, scratch.bytes)
        }
        buffer.append(bytes: cachedWriter.json)
        appendPathTextAndLevel(line)
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
        buffer.append("{\"type\":\"span\",")
        writeSpanFields(span)
        buffer.append(0x7D)
    }

    private func writeAlert(_ alert: AlertRecord) {
        buffer.append("{\"type\":\"alert\",\"ts\":\"")
        timestamps.append(alert.timestamp, to: buffer)
        buffer.append("\",\"rule\":")
        JSONEscaper.appendString(alert.rule, to: buffer)
        buffer.append(",\"priority\":\"")
        buffer.append(string: alert.priority.name)
        buffer.append("\",\"message\":")
        JSONEscaper.appendString(alert.message, to: buffer)
        buffer.append(",\"trigger\":\"")
        buffer.append(string: alert.trigger.rawValue)
        buffer.append("\",\"span\":{")
        writeSpanFields(alert.span)
        buffer.append(0x7D)
        if let line = alert.line {
            buffer.append(",\"line\":{\"ts\":\"")
            timestamps.append(line.timestamp, to: buffer)
            buffer.append("\",\"stream\":\"")
            buffer.append(string: line.stream.rawValue)
            buffer.append(0x22)
            appendPathTextAndLevel(line)
            buffer.append(0x7D)
        }
        buffer.append(",\"suppressed\":")
        buffer.appendDecimal(alert.suppressed)
        buffer.append(0x7D)
    }

    /// The fields of a span record after `type`; alerts carry the same object.
    private func writeSpanFields(_ span: SpanRecord) {
        buffer.append("\"uid\":")
        appendUID(span.summary.uid, to: buffer)
        buffer.append(",\"id\":")
        buffer.appendDecimal(span.summary.id)
        buffer.append(",\"tags\":")
        appendSharedTags(span.summary.tags)
        buffer.append(",\"parent\":")
        if let parent = span.parent { appendUID(parent, to: buffer) } else { buffer.append("null") }
        appendTrace(span.summary.trace)
        buffer.append(",\"depth\":")
        buffer.appendDecimal(span.depth)
        buffer.append(",\"pid\":")
        buffer.appendDecimal(span.pid)
        buffer.append(",\"tid\":")
        buffer.appendDecimal(span.tid)
        buffer.append(",\"comm\":")
        if span.comm != commJSON.comm {
            scratch.removeAll()
            JSONEscaper.appendString(span.comm, to: scratch)
            commJSON = (span.comm, scratch.bytes)
        }
        buffer.append(bytes: commJSON.json)
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
        buffer.append(",\"errors_total\":")
        buffer.appendDecimal(span.errorsTotal)
        let outcome = span.outcome
        buffer.append(",\"outcome\":\"")
        buffer.append(string: outcome.verdict.rawValue)
        buffer.append("\",\"failure\":[")
        for (index, name) in outcome.reasons.names.enumerated() {
            buffer.append(index == 0 ? "\"" : ",\"")
            buffer.append(string: name)
            buffer.append("\"")
        }
        buffer.append("],\"end_reason\":\"")
        buffer.append(string: span.endReason.rawValue)
        buffer.append("\",\"container\":")
        if let container = span.container { JSONEscaper.appendString(container, to: buffer) } else { buffer.append("null") }
        appendIO(span.io)
        if span.alerts > 0 {
            buffer.append(",\"alerts\":")
            buffer.appendDecimal(span.alerts)
        }
    }

    /// `,"trace_id":"…","span_id":"…","parent_span_id":"…"` (the last only when it has one).
    private func appendTrace(_ trace: TraceContext) {
        buffer.append(",\"trace_id\":\"")
        buffer.appendHex16(trace.traceHigh)
        buffer.appendHex16(trace.traceLow)
        buffer.append("\",\"span_id\":\"")
        buffer.appendHex16(trace.spanID)
        if trace.parentSpanID != 0 {
            buffer.append("\",\"parent_span_id\":\"")
            buffer.appendHex16(trace.parentSpanID)
        }
        buffer.append("\"")
    }

    /// `,"io":{"stdout_lines":…,"stdout_bytes":…,"stderr_lines":…,"stderr_bytes":…,"file_lines":…,
    /// "file_bytes":…}`, plus `"read_bytes","written_bytes","reads","writes"` with `--span-io`.
    private func appendIO(_ io: SpanIO) {
        if io == SpanIO() {
            // The commonest span writes nothing itself (its children do): one copy.
            buffer.append(",\"io\":{\"stdout_lines\":0,\"stdout_bytes\":0,\"stderr_lines\":0,\"stderr_bytes\":0,\"file_lines\":0,\"file_bytes\":0}")
            return
        }
        buffer.append(",\"io\":{\"stdout_lines\":")
        buffer.appendDecimal(io.stdoutLines)
        buffer.append(",\"stdout_bytes\":")
        buffer.appendDecimal(io.stdoutBytes)
        buffer.append(",\"stderr_lines\":")
        buffer.appendDecimal(io.stderrLines)
        buffer.append(",\"stderr_bytes\":")
        buffer.appendDecimal(io.stderrBytes)
        buffer.append(",\"file_lines\":")
        buffer.appendDecimal(io.fileLines)
        buffer.append(",\"file_bytes\":")
        buffer.appendDecimal(io.fileBytes)
        if let syscalls = io.syscalls {
            buffer.append(",\"read_bytes\":")
            buffer.appendDecimal(Int64(clamping: syscalls.readBytes))
            buffer.append(",\"written_bytes\":")
            buffer.appendDecimal(Int64(clamping: syscalls.writtenBytes))
            buffer.append(",\"reads\":")
            buffer.appendDecimal(Int64(clamping: syscalls.reads))
            buffer.append(",\"writes\":")
            buffer.appendDecimal(Int64(clamping: syscalls.writes))
        }
        buffer.append(0x7D)
    }

    /// `,"name":value`: a member after the first.
    private func appendNumber(_ name: String, _ value: Int64) {
        buffer.append(",\"")
        buffer.append(string: name)
        buffer.append("\":")
        buffer.appendDecimal(value)
    }

    private func writeWarning(_ warning: WarningRecord) {
        buffer.append("{\"type\":\"warning\",\"ts\":\"")
        timestamps.append(warning.timestamp, to: buffer)
        buffer.append("\",\"kind\":\"")
        buffer.append(string: warning.kind.rawValue)
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
        for (name, value) in record.stats.fields + record.counters.fields { appendNumber(name, value) }
        if !record.collector.isEmpty {
            buffer.append(",\"collector\":{")
            for (index, field) in record.collector.enumerated() {
                if index > 0 { buffer.append(0x2C) }
                JSONEscaper.appendString(field.name, to: buffer)
                buffer.append(0x3A)
                JSONEscaper.appendString(field.value, to: buffer)
            }
            buffer.append(0x7D)
        }
        if !record.outputs.isEmpty {
            buffer.append(",\"outputs\":[")
            for (index, output) in record.outputs.enumerated() {
                if index > 0 { buffer.append(0x2C) }
                buffer.append("{\"name\":")
                JSONEscaper.appendString(output.name, to: buffer)
                buffer.append(",\"records\":")
                buffer.appendDecimal(output.records)
                buffer.append(",\"failed_writes\":")
                buffer.appendDecimal(output.failedWrites)
                buffer.append(",\"lost_bytes\":")
                buffer.appendDecimal(output.lostBytes)
                buffer.append(",\"error\":")
                if let error = output.error { JSONEscaper.appendString(error, to: buffer) } else { buffer.append("null") }
                for (name, value) in output.counters {
                    buffer.append(",\"")
                    buffer.append(string: name)
                    buffer.append("\":")
                    buffer.appendDecimal(value)
                }
                buffer.append(0x7D)
            }
            buffer.append(0x5D)
        }
        buffer.append(0x7D)
    }

    /// One `summary` record per row: `{"type":"summary","ts","since","tags","count","failed",
    /// "min_ns","mean_ns","p50_ns","p90_ns","p99_ns","max_ns","lines_mean"[,"histogram"]}`.
    private func writeSummary(_ record: SummaryRecord) {
        for row in record.rows {
            buffer.append("{\"type\":\"summary\",\"ts\":\"")
            timestamps.append(record.timestamp, to: buffer)
            buffer.append("\",\"since\":")
            if let since = record.since {
                buffer.append(0x22)
                timestamps.append(since, to: buffer)
                buffer.append(0x22)
            } else {
                buffer.append("null")
            }
            buffer.append(",\"tags\":")
            appendTags(row.tags, to: buffer)
            for (name, value) in [("count", Int64(row.count)), ("failed", Int64(row.failed)),
                                  ("min_ns", row.minNanoseconds), ("mean_ns", row.meanNanoseconds),
                                  ("p50_ns", row.p50Nanoseconds), ("p90_ns", row.p90Nanoseconds),
                                  ("p99_ns", row.p99Nanoseconds), ("max_ns", row.maxNanoseconds)] {
                appendNumber(name, value)
            }
            for (name, value) in [("lines_mean", row.linesMean), ("bytes_mean", row.bytesMean),
                                  ("read_bytes_mean", row.readBytesMean), ("written_bytes_mean", row.writtenBytesMean)] {
                guard let value else { continue }
                buffer.append(",\"")
                buffer.append(string: name)
                buffer.append("\":")
                buffer.append(string: String(Double(Int64((value * 1000).rounded())) / 1000))
            }
            if let histogram = row.histogram {
                buffer.append(",\"histogram\":[")
                for (index, count) in histogram.enumerated() {
                    if index > 0 { buffer.append(0x2C) }
                    buffer.appendDecimal(count)
                }
                buffer.append("]")
            }
            buffer.append("}\n")
        }
    }

    /// `,"path":…` (files only), `,"text":…,"level":…` — the same in line records and alerts.
    private func appendPathTextAndLevel(_ line: LineRecord) {
        if let path = line.path {
            buffer.append(",\"path\":")
            JSONEscaper.appendString(path, to: buffer)
        }
        buffer.append(",\"text\":")
        JSONEscaper.appendBytes(line.text, to: buffer)
        buffer.append(",\"level\":")
        appendLevel(line.level)
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
        // `"`, the session's eight digits and `-`: the same for every span of a session, kept
        // as two words (no array to retain per uid).
        if uid.session != uidPrefix.session || uidPrefix.words == nil {
            let text = Array(("\"" + uid.description.prefix(9)).utf8) + [0, 0, 0, 0, 0, 0]
            uidPrefix = (uid.session, text.withUnsafeBytes {
                ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            })
        }
        let words = uidPrefix.words!
        buffer.appendInPlace(maximum: 16) { out in
            UnsafeMutableRawPointer(out).storeBytes(of: words.0, as: UInt64.self)
            UnsafeMutableRawPointer(out).storeBytes(of: words.1, toByteOffset: 8, as: UInt64.self)
            return 10
        }
        buffer.appendHex(uid.sequence)
        buffer.append(0x22)
    }

    /// A span record's tags: rendered once per tag list.
    private func appendSharedTags(_ tags: [String]) {
        if let json = tagsJSON.value(for: tags) {
            buffer.append(bytes: json)
            return
        }
        scratch.removeAll()
        appendTags(tags, to: scratch)
        let json = scratch.bytes
        tagsJSON.store(json, for: tags)
        buffer.append(bytes: json)
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
    /// `{"name":"value",…}`, the first value of each name: from the marker's bytes when they
    /// are plain, else from strings.
    private func appendArgs(_ args: MarkerArgs) {
        if let bytes = args.bytes, bytes.withUnsafeBufferPointer({ JSONEscaper.appendPlainArguments($0, to: buffer) }) {
            return
        }
        buffer.append(0x7B)
        appendArgPairs(args.pairs)
        buffer.append(0x7D)
    }

    private func appendArgPairs(_ args: [(name: String, value: String)]) {
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
    }
}
