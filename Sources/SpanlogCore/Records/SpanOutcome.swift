/// How a span ended: its exit marker, or spanlog had to close it.
public enum SpanEndReason: String, Sendable, CaseIterable {
    /// Closed by its exit marker.
    case exitMarker = "exit_marker"
    /// Its owner (thread or process) ended first; nobody can close it any more.
    case abandoned
    /// Open longer than `--span-timeout`.
    case timeout
    /// Closed to keep open spans under their bound.
    case evicted
    /// Not ended: still open when tracing stopped, or a running span an alert looked at.
    case open = "still_open"
}

/// Whether a span succeeded, the one verdict every output, rule, filter and summary uses.
///
/// A span failed when its exit marker says so, when it or a span inside it wrote an error
/// line, or when it never got its exit marker because its owner ended or it timed out. Alerts
/// are not part of it: they are a rule author's judgement (a slow request that succeeded is
/// still ok) and are counted beside it. A span that has not ended and shows no failure is
/// `unfinished`, not ok.
public struct SpanOutcome: Sendable, Equatable {
    public struct Reasons: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// The exit marker reports failure (`status>=500`, `error=…`, `ok=false`, …).
        public static let exitStatus = Reasons(rawValue: 1)
        /// Error lines in the span or in spans inside it.
        public static let errorLines = Reasons(rawValue: 2)
        public static let abandoned = Reasons(rawValue: 4)
        public static let timeout = Reasons(rawValue: 8)

        /// In the order outputs list them, with the names they use.
        public static let named: [(reason: Reasons, name: String, words: String)] = [
            (.exitStatus, "exit_status", "exit status"), (.errorLines, "error_lines", "error lines"),
            (.abandoned, "abandoned", "abandoned"), (.timeout, "timeout", "timed out"),
        ]

        public var names: [String] { Self.named.filter { contains($0.reason) }.map(\.name) }
        public var words: [String] { Self.named.filter { contains($0.reason) }.map(\.words) }
    }

    public enum Verdict: String, Sendable, CaseIterable {
        case ok, failed, unfinished
    }

    public var reasons: Reasons
    public var finished: Bool

    public var verdict: Verdict { !reasons.isEmpty ? .failed : finished ? .ok : .unfinished }
    public var failed: Bool { !reasons.isEmpty }

    /// `ok`, `failed (exit status, error lines)`, `unfinished (still open)`: the verdict, why,
    /// and how the span ended where that is not said already. The text view and journald say it so.
    public func description(endReason: SpanEndReason) -> String {
        var why = reasons.words
        switch endReason {
        case .evicted: why.append("evicted")
        case .open: why.append("still open")
        case .exitMarker, .abandoned, .timeout: break
        }
        return why.isEmpty ? verdict.rawValue : "\(verdict.rawValue) (\(why.joined(separator: ", ")))"
    }

    public init(endReason: SpanEndReason, errorsTotal: Int, exitArgs: MarkerArgs) {
        var reasons: Reasons = []
        if errorsTotal > 0 { reasons.insert(.errorLines) }
        switch endReason {
        case .exitMarker: if Self.exitReportsFailure(exitArgs) { reasons.insert(.exitStatus) }
        case .abandoned: reasons.insert(.abandoned)
        case .timeout: reasons.insert(.timeout)
        case .evicted, .open: break
        }
        self.reasons = reasons
        finished = endReason == .exitMarker || endReason == .abandoned || endReason == .timeout
    }

    /// Words that mean failure in `status=` and `result=`.
    public static let failureWords: Set<String> = ["error", "failed", "failure", "fail"]

    /// Whether exit arguments report a failure: `status` of 500 or more or a failure word,
    /// `error` present (any value), `ok` or `success` false, `result` a failure word. ASCII
    /// case is ignored; a repeated name counts by its first value, as everywhere else.
    /// (docs/markers.md, "Exit arguments that mean failure")
    public static func exitReportsFailure(_ args: MarkerArgs) -> Bool {
        exitFailureArgument(args) != nil
    }

    /// The exit argument that reports the failure (`error=timeout`, `status=503`, `ok=false`),
    /// so an alert can say what the span said rather than a field it did not write.
    public static func exitFailureArgument(_ args: MarkerArgs) -> (name: String, value: String)? {
        guard !args.isEmpty else { return nil }
        let pairs = args.pairs
        func first(_ name: String) -> (name: String, value: String)? {
            pairs.first { $0.name == name }.map { (name, $0.value) }
        }
        if let error = first("error") { return error }
        if let status = first("status") {
            if let code = Int(status.value), code >= 500 { return status }
            if failureWords.contains(status.value.lowercased()) { return status }
        }
        for name in ["ok", "success"] {
            if let flag = first(name), flag.value.lowercased() == "false" { return flag }
        }
        if let result = first("result"), failureWords.contains(result.value.lowercased()) { return result }
        return nil
    }
}
