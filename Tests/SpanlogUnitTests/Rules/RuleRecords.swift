@testable import SpanlogCore
@testable import SpanlogRules

/// A span record with the fields a test cares about.
func span(tags: [String] = ["request"], id: Int64 = 1, depth: Int = 0, durationMs: Int64 = 10,
          enter: [(String, String)] = [], exit: [(String, String)] = [], lines: Int = 0, errors: Int = 0,
          errorsTotal: Int? = nil, endReason: SpanEndReason = .exitMarker, comm: String = "shop", pid: Int32 = 42,
          container: String? = nil, sequence: UInt64 = 1) -> SpanRecord {
    SpanRecord(summary: SpanSummary(uid: SpanUID(session: 7, sequence: sequence), id: id, tags: tags), parent: nil,
               depth: depth, pid: pid, tid: pid, comm: comm, start: 1_000_000_000, end: 1_000_000_000 + durationMs * 1_000_000,
               enterArgs: MarkerArgs(enter.map { (name: $0.0, value: $0.1) }),
               exitArgs: MarkerArgs(exit.map { (name: $0.0, value: $0.1) }),
               lines: lines, errors: errors, errorsTotal: errorsTotal ?? errors, endReason: endReason, container: container,
               parentIsOpen: false)
}

func line(_ text: String, level: LogLevel? = nil, stream: LogStream = .stdout, path: String? = nil) -> LineRecord {
    LineRecord(timestamp: 1_000_000_000, pid: 42, tid: 42, comm: "shop", stream: stream, path: path,
               text: Array(text.utf8)[...], level: level, truncated: false, span: nil)
}

/// Compiles one condition the way a rule's would be, or returns the diagnostics.
func compile(_ condition: String, trigger: AlertTrigger = .spanEnd, macros: String = "")
    -> Result<Predicate, RuleLoadError> {
    let when = trigger == .line ? "  when: line\n" : trigger == .inFlight ? "  when: {span_open_longer_than: 1s}\n" : ""
    let yaml = macros + """
        - rule: probe
        \(when)  condition: '\(condition.replacingOccurrences(of: "'", with: "''"))'
          output: probe
        """
    do {
        let set = try RuleSet.load([RuleSource(name: "probe.yaml", text: yaml)])
        return .success(set.rules[0].condition)
    } catch {
        return .failure(error)
    }
}

func matches(_ condition: String, _ subject: RuleSubject, trigger: AlertTrigger = .spanEnd) -> Bool? {
    switch compile(condition, trigger: trigger) {
    case .success(let predicate): predicate(subject)
    case .failure: nil
    }
}

/// Loads rule files and returns every diagnostic, errors and warnings.
func diagnostics(_ files: [(String, String)]) -> [RuleDiagnostic] {
    do {
        return try RuleSet.load(files.map { RuleSource(name: $0.0, text: $0.1) }).warnings
    } catch {
        return error.diagnostics
    }
}

/// Records a processor passed on.
final class ForwardedRecords {
    var records: [Record] = []
    var alerts: [AlertRecord] { records.compactMap { if case .alert(let alert) = $0 { alert } else { nil } } }
    var warnings: [WarningRecord] { records.compactMap { if case .warning(let warning) = $0 { warning } else { nil } } }
}
