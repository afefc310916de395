import SpanlogCore

/// The type of a field, which decides the operators and literals it takes.
enum FieldType: String {
    /// Text: = != contains icontains startswith endswith glob matches in exists.
    case string
    /// A span argument: text that also compares numerically with a number (`status >= 500`).
    case argument
    case number
    /// Nanoseconds; compared with durations such as 500ms.
    case duration
    /// A log level, ordered trace < debug < info < notice < warning < error < critical.
    case level
    /// One of a fixed set of words (`span.outcome`, `span.end_reason`): text whose values are
    /// checked when the rule loads.
    case keyword
}

/// A value read from a subject: text, or a number (durations in nanoseconds).
enum FieldValue {
    case text(String)
    case bytes(ArraySlice<UInt8>)
    case number(Double)
}

/// Reads a text field as bytes, borrowed for the duration of `body`; nil when the field is missing.
typealias TextReader = (RuleSubject, (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool?

/// A field resolved for one rule: how to read it, its type, and where it is known.
struct ResolvedField {
    var name: String
    var type: FieldType
    /// The general reader (output templates, throttle keys).
    var read: (RuleSubject) -> FieldValue?
    /// Fast readers for conditions, which run per line: no enum built, no string copied.
    var number: ((RuleSubject) -> Double?)?
    var text: TextReader?
    /// Only line rules see line fields.
    var needsLine = false
    /// Exit args and how the span ended are only known once the span ends.
    var onlyAtSpanEnd = false
    /// A keyword field's words, and those it can have while its span is still open.
    var keywords: [String] = []
    var keywordsWhileOpen: [String] = []
}

/// Every field rules, filters and output templates can use, with its type and meaning.
public enum FieldCatalog {
    public struct Entry: Sendable {
        public var name: String
        public var type: String
        public var description: String
    }

    /// For `spanlog rules fields`, in the order shown.
    public static let entries: [Entry] = [
        Entry(name: "span.id", type: "number", description: "The span's resolved id (thread, process or the number written)."),
        Entry(name: "span.uid", type: "string", description: "The span instance's unique id, as in span records."),
        Entry(name: "span.tags", type: "string", description: "The tags joined with '.', e.g. request.db."),
        Entry(name: "span.tag[N]", type: "string", description: "The Nth tag from 0; negative N counts from the end (span.tag[-1] is the last)."),
        Entry(name: "span.depth", type: "number", description: "Number of enclosing spans; 0 for a root span."),
        Entry(name: "span.duration", type: "duration", description: "Time from enter to exit; for an open span, the time so far."),
        Entry(name: "span.enter_arg.NAME", type: "argument", description: "An argument of the enter marker (text; compares as a number against numbers)."),
        Entry(name: "span.exit_arg.NAME", type: "argument", description: "An argument of the exit marker; known when the span ends."),
        Entry(name: "span.arg.NAME", type: "argument", description: "The exit argument NAME, else the enter argument NAME."),
        Entry(name: "span.lines", type: "number", description: "Lines written inside the span (not its children)."),
        Entry(name: "span.errors", type: "number", description: "Lines at level error or worse inside the span."),
        Entry(name: "span.errors_total", type: "number", description: "Error lines in the span and in its descendants that have ended."),
        Entry(name: "span.bytes_written", type: "number", description: "Bytes of the span's own lines, all streams (line ends not counted)."),
        Entry(name: "span.stdout_lines", type: "number", description: "The span's own lines on stdout; also span.stderr_lines, span.file_lines."),
        Entry(name: "span.stdout_bytes", type: "number", description: "Their bytes; also span.stderr_bytes, span.file_bytes."),
        Entry(name: "span.io.read_bytes", type: "number", description: "With --span-io: bytes the span's thread read through any descriptor while it was open; missing without it."),
        Entry(name: "span.io.written_bytes", type: "number", description: "With --span-io: bytes it wrote through any descriptor (markers and lines included)."),
        Entry(name: "span.io.reads", type: "number", description: "With --span-io: read system calls it made; span.io.writes likewise."),
        Entry(name: "span.outcome", type: "keyword", description: "ok, failed or unfinished: failed when the exit marker reports failure, error lines were written in it or its descendants, or it was abandoned or timed out; unfinished when it has not ended (or was evicted) and shows no failure."),
        Entry(name: "span.exit_failure", type: "string", description: "The exit argument that reported the failure, as name=value (error=timeout, status=503, ok=false); missing when the exit marker reported none."),
        Entry(name: "span.failure", type: "string", description: "Why it failed, comma-separated: exit_status, error_lines, abandoned, timeout; missing when it did not."),
        Entry(name: "span.end_reason", type: "keyword", description: "How it ended: exit_marker, abandoned, timeout, evicted, or still_open."),
        Entry(name: "span.alerts", type: "number", description: "Alerts line and in-flight rules raised on it so far (span-end rules see those of earlier rules, not their own)."),
        Entry(name: "proc.pid", type: "number", description: "The pid of the process that entered the span."),
        Entry(name: "proc.name", type: "string", description: "That process's command name (comm)."),
        Entry(name: "container.id", type: "string", description: "The container the span's process runs in; missing outside containers."),
        Entry(name: "line.text", type: "string", description: "The line's text (line rules only)."),
        Entry(name: "line.level", type: "level", description: "The line's level: trace, debug, info, notice, warning, error, critical (line rules only)."),
        Entry(name: "line.stream", type: "string", description: "stdout, stderr or file (line rules only)."),
        Entry(name: "line.path", type: "string", description: "The log file's path; missing for stdout and stderr (line rules only)."),
    ]

    static func resolve(_ name: String) -> ResolvedField? {
        func field(_ type: FieldType, _ read: @escaping (RuleSubject) -> FieldValue?) -> ResolvedField {
            ResolvedField(name: name, type: type, read: read)
        }
        func numeric(_ type: FieldType, _ number: @escaping (RuleSubject) -> Double?) -> ResolvedField {
            ResolvedField(name: name, type: type, read: { number($0).map(FieldValue.number) }, number: number)
        }
        func text(_ type: FieldType, _ string: @escaping (RuleSubject) -> String?) -> ResolvedField {
            ResolvedField(name: name, type: type, read: { string($0).map(FieldValue.text) }, text: { subject, body in
                guard let value = string(subject) else { return nil }
                return TextMatch.withBytes(of: value, body)
            })
        }
        switch name {
        case "span.id": return numeric(.number) { Double($0.span.summary.id) }
        case "span.uid": return text(.string) { $0.span.summary.uid.description }
        case "span.tags": return text(.string) { $0.tagPath }
        case "span.depth": return numeric(.number) { Double($0.span.depth) }
        case "span.duration": return numeric(.duration) { Double($0.span.durationNanoseconds) }
        case "span.lines": return numeric(.number) { Double($0.span.lines) }
        case "span.errors": return numeric(.number) { Double($0.span.errors) }
        case "span.errors_total": return numeric(.number) { Double($0.span.errorsTotal) }
        case "span.bytes_written": return numeric(.number) { Double($0.span.io.bytesWritten) }
        case "span.stdout_lines": return numeric(.number) { Double($0.span.io.stdoutLines) }
        case "span.stderr_lines": return numeric(.number) { Double($0.span.io.stderrLines) }
        case "span.file_lines": return numeric(.number) { Double($0.span.io.fileLines) }
        case "span.stdout_bytes": return numeric(.number) { Double($0.span.io.stdoutBytes) }
        case "span.stderr_bytes": return numeric(.number) { Double($0.span.io.stderrBytes) }
        case "span.file_bytes": return numeric(.number) { Double($0.span.io.fileBytes) }
        case "span.io.read_bytes": return numeric(.number) { $0.span.io.syscalls.map { Double($0.readBytes) } }
        case "span.io.written_bytes": return numeric(.number) { $0.span.io.syscalls.map { Double($0.writtenBytes) } }
        case "span.io.reads": return numeric(.number) { $0.span.io.syscalls.map { Double($0.reads) } }
        case "span.io.writes": return numeric(.number) { $0.span.io.syscalls.map { Double($0.writes) } }
        case "span.outcome":
            var resolved = text(.keyword) { $0.span.outcome.verdict.rawValue }
            resolved.keywords = SpanOutcome.Verdict.allCases.map(\.rawValue)
            resolved.keywordsWhileOpen = [SpanOutcome.Verdict.failed.rawValue, SpanOutcome.Verdict.unfinished.rawValue]
            return resolved
        case "span.exit_failure":
            return text(.string) { subject in
                SpanOutcome.exitFailureArgument(subject.span.exitArgs).map { "\($0.name)=\($0.value)" }
            }
        case "span.failure":
            return text(.string) { subject in
                let reasons = subject.span.outcome.reasons
                return reasons.isEmpty ? nil : reasons.names.joined(separator: ",")
            }
        case "span.end_reason":
            var resolved = text(.keyword) { $0.span.endReason.rawValue }
            resolved.keywords = SpanEndReason.allCases.map(\.rawValue)
            resolved.keywordsWhileOpen = [SpanEndReason.open.rawValue]
            resolved.onlyAtSpanEnd = true
            return resolved
        case "span.alerts": return numeric(.number) { Double($0.span.alerts) }
        case "proc.pid": return numeric(.number) { Double($0.span.pid) }
        case "proc.name": return text(.string) { $0.span.comm }
        case "container.id": return text(.string) { $0.span.container }
        case "line.text", "line.level", "line.stream", "line.path":
            var resolved: ResolvedField
            switch name {
            case "line.text":
                resolved = field(.string) { $0.hasLine ? .bytes($0.lineText) : nil }
                resolved.text = { subject, body in subject.hasLine ? subject.lineText.withUnsafeBufferPointer(body) : nil }
            case "line.level": resolved = numeric(.level) { $0.lineLevel.map { Double($0.rawValue) } }
            case "line.stream": resolved = text(.string) { $0.hasLine ? $0.lineStream.rawValue : nil }
            default: resolved = text(.string) { $0.linePath }
            }
            resolved.needsLine = true
            return resolved
        default:
            break
        }
        if name.hasPrefix("span.tag["), name.hasSuffix("]"), let index = Int(name.dropFirst(9).dropLast()) {
            return text(.string) { subject in
                let tags = subject.span.summary.tags
                let position = index < 0 ? tags.count + index : index
                return tags.indices.contains(position) ? tags[position] : nil
            }
        }
        for (prefix, source) in [("span.enter_arg.", 0), ("span.exit_arg.", 1), ("span.arg.", 2)] where name.hasPrefix(prefix) {
            let argument = String(name.dropFirst(prefix.count))
            guard !argument.isEmpty else { return nil }
            var resolved: ResolvedField
            switch source {
            case 0: resolved = text(.argument) { RuleSubject.argument(argument, in: $0.span.enterArgs) }
            case 1:
                resolved = text(.argument) { RuleSubject.argument(argument, in: $0.span.exitArgs) }
                resolved.onlyAtSpanEnd = true
            default:
                resolved = text(.argument) {
                    RuleSubject.argument(argument, in: $0.span.exitArgs) ?? RuleSubject.argument(argument, in: $0.span.enterArgs)
                }
            }
            return resolved
        }
        return nil
    }

    static let levelNames: [String: LogLevel] = [
        "trace": .trace, "debug": .debug, "info": .info, "notice": .notice, "warning": .warning, "warn": .warning,
        "error": .error, "critical": .critical, "fatal": .critical,
    ]

    /// Every keyword field's words.
    static let keywords = Set(SpanOutcome.Verdict.allCases.map(\.rawValue) + SpanEndReason.allCases.map(\.rawValue))

    /// Fields that were renamed, and what to write instead.
    static let renamed: [String: String] = [
        "span.status": "span.status was split: span.end_reason says how the span ended (exit_marker, abandoned, timeout, evicted, still_open), span.outcome whether it succeeded (ok, failed, unfinished)",
    ]
}
