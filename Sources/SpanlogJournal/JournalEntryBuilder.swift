import SpanlogCore

/// Turns records into journal entries (docs/journald.md has the field list). Every name comes
/// from this file or from `JournalField.argumentName`: no text of a traced program can choose one.
struct JournalEntryBuilder {
    /// Also send an entry when a span ends (`--journald-spans`).
    var includeSpans = false

    /// When it happened (the write, the span's end), in microseconds since the epoch as
    /// journald's own timestamps: journald stamps an entry when it receives it, and replaces a
    /// `_SOURCE_REALTIME_TIMESTAMP` that a client sends, so an entry that waited (journald away
    /// or behind) carries its own time here.
    static func microseconds(_ wallNanoseconds: Int64) -> String { String(wallNanoseconds / 1000) }

    func entry(for record: Record) -> JournalEntry? {
        var entry = JournalEntry()
        switch record {
        case .line(let line):
            entry.add("MESSAGE", bytes: line.text)
            entry.add("MESSAGE_ID", JournalMessageID.line)
            entry.add("SPANLOG_TIMESTAMP", Self.microseconds(line.timestamp))
            entry.add("PRIORITY", String(Self.priority(of: line.level)))
            entry.add("SYSLOG_IDENTIFIER", line.comm)
            entry.add("SYSLOG_PID", String(line.pid))
            entry.add("OBJECT_PID", String(line.pid))
            entry.writer = line.pid
            entry.add("LOG_STREAM", line.stream.rawValue)
            if let path = line.path { entry.add("LOG_PATH", path) }
            if line.truncated { entry.add("SPANLOG_TRUNCATED", "1") }
            if let span = line.span { addSpan(span, to: &entry) }
        case .span(let span):
            guard includeSpans else { return nil }
            let outcome = span.outcome
            entry.add("MESSAGE", Self.spanMessage(span, outcome))
            entry.add("MESSAGE_ID", JournalMessageID.spanEnd)
            entry.add("SPANLOG_TIMESTAMP", Self.microseconds(span.end))
            // Failed: warning; never ended (evicted, still open at the end): notice; ok: info.
            entry.add("PRIORITY", outcome.failed ? "4" : outcome.finished ? "6" : "5")
            addSpanRecord(span, to: &entry)
            entry.add("SPAN_LINES", String(span.lines))
            entry.add("SPAN_ERRORS", String(span.errors))
            entry.add("SPAN_ERRORS_TOTAL", String(span.errorsTotal))
            addArguments(span.exitArgs, prefix: "SPAN_EXIT_ARG_", to: &entry)
        case .alert(let alert):
            entry.add("MESSAGE", alert.message)
            entry.add("MESSAGE_ID", JournalMessageID.alert)
            entry.add("SPANLOG_TIMESTAMP", Self.microseconds(alert.timestamp))
            entry.add("PRIORITY", String(alert.priority.syslogValue))
            entry.add("SPANLOG_RULE", alert.rule)
            entry.add("SPANLOG_TRIGGER", alert.trigger.rawValue)
            if alert.suppressed > 0 { entry.add("SPANLOG_SUPPRESSED", String(alert.suppressed)) }
            addSpanRecord(alert.span, to: &entry)
            if let line = alert.line {
                entry.add("LOG_STREAM", line.stream.rawValue)
                if let path = line.path { entry.add("LOG_PATH", path) }
            }
        case .warning(let warning):
            entry.add("MESSAGE", "spanlog: \(warning.kind.rawValue): \(warning.message)")
            entry.add("MESSAGE_ID", JournalMessageID.warning)
            entry.add("SPANLOG_TIMESTAMP", Self.microseconds(warning.timestamp))
            entry.add("PRIORITY", "4")
            entry.add("SPANLOG_WARNING", warning.kind.rawValue)
            if let pid = warning.pid { entry.add("OBJECT_PID", String(pid)) }
        case .stats, .summary:
            return nil
        }
        return entry
    }

    /// `span checkout failed (exit status, error lines) after 303.4ms (lines=1 errors=1)`: the
    /// same verdict and reasons the text view and JSON give.
    static func spanMessage(_ span: SpanRecord, _ outcome: SpanOutcome) -> String {
        let duration = DurationFormatter.string(nanoseconds: span.durationNanoseconds)
        let alerts = span.alerts > 0 ? " alerts=\(span.alerts)" : ""
        return "span \(span.summary.displayName) \(outcome.description(endReason: span.endReason)) after \(duration) (lines=\(span.lines) errors=\(span.errorsTotal)\(alerts))"
    }

    /// A line's level as a syslog priority; a line without one is informational.
    static func priority(of level: LogLevel?) -> Int {
        switch level {
        case .critical?: 2
        case .error?: 3
        case .warning?: 4
        case .notice?: 5
        case .info?, nil: 6
        case .debug?, .trace?: 7
        }
    }

    private func addSpan(_ span: SpanSummary, to entry: inout JournalEntry) {
        entry.add("SPAN_UID", span.uid.description)
        entry.add("SPAN_ID", String(span.id))
        entry.add("SPAN_TAGS", span.tagPath)
        if let parent = span.parent { entry.add("SPAN_PARENT_UID", parent.description) }
        addArguments(span.enterArgs, prefix: "SPAN_ARG_", to: &entry)
    }

    private func addSpanRecord(_ span: SpanRecord, to entry: inout JournalEntry) {
        entry.add("SYSLOG_IDENTIFIER", span.comm)
        entry.add("SYSLOG_PID", String(span.pid))
        entry.add("OBJECT_PID", String(span.pid))
        entry.writer = span.pid
        entry.add("SPAN_UID", span.summary.uid.description)
        entry.add("SPAN_ID", String(span.summary.id))
        entry.add("SPAN_TAGS", span.summary.tagPath)
        if let parent = span.parent { entry.add("SPAN_PARENT_UID", parent.description) }
        entry.add("SPAN_DURATION_NS", String(span.durationNanoseconds))
        let outcome = span.outcome
        entry.add("SPAN_OUTCOME", outcome.verdict.rawValue)
        if outcome.failed { entry.add("SPAN_FAILURE", outcome.reasons.names.joined(separator: ",")) }
        entry.add("SPAN_END_REASON", span.endReason.rawValue)
        if let container = span.container { entry.add("SPAN_CONTAINER", container) }
        addArguments(span.enterArgs, prefix: "SPAN_ARG_", to: &entry)
    }

    /// Arguments under a fixed prefix; past the iovec budget they are counted, not sent (too
    /// many fields would lose the whole entry).
    private func addArguments(_ args: MarkerArgs, prefix: String, to entry: inout JournalEntry) {
        var omitted = 0
        for (name, value) in args {
            let cost = value.utf8.contains(0x0A) ? 5 : 2
            guard entry.iovecCost + cost <= JournalField.maxIOVecs - JournalField.reservedIOVecs else {
                omitted += 1
                continue
            }
            entry.add(name: JournalField.argumentName(prefix: prefix, name), value)
        }
        if omitted > 0 { entry.add("SPANLOG_ARGS_OMITTED", String(omitted)) }
    }
}
