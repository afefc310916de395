import SpanlogOutputs

/// A failure a session reports instead of printing: what failed, why, and what to do.
/// The command line prints it and maps its kind to an exit status.
public struct SessionError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// The request itself is wrong (an unknown output, two outputs on stdout).
        case usage
        /// This machine or user cannot trace (privileges, kernel, command not found).
        case environment
        /// A file could not be opened, read or written.
        case io
        /// A capture file ends early or is damaged; everything before was processed.
        case damagedCapture
        /// Rule files have errors (`details` lists them, one per line).
        case rules
    }

    public var kind: Kind
    public var what: String
    public var why: String
    public var fix: String?
    /// More lines that belong to the error (each rule file problem, `FILE:LINE:COL: …`).
    public var details: [String] = []

    public init(_ kind: Kind, what: String, why: String, fix: String? = nil, details: [String] = []) {
        self.kind = kind
        self.what = what
        self.why = why
        self.fix = fix
        self.details = details
    }

    public var description: String {
        fix.map { "\(what): \(why); \($0)" } ?? "\(what): \(why)"
    }
}

extension SessionError {
    /// An output that cannot be opened, as the session's failure.
    init(_ error: OutputError) {
        let kind: Kind = switch error.kind {
        case .usage: .usage
        case .io: .io
        }
        self.init(kind, what: error.what, why: error.why, fix: error.fix)
    }
}

/// Something a running session tells its user; the command line prints these on stderr.
public enum SessionNotice: Sendable, Equatable {
    /// Capture has started (tail and record print it; scripts wait for it).
    case capturing(String)
    /// An output failed for the first time; the others keep going.
    case outputFailed(name: String, reason: String, othersContinue: Bool)
    /// The collector could not keep some writes.
    case collectorLoss(String)
    /// Rules were loaded at the start; the warnings their files gave.
    case rulesLoaded(count: Int, warnings: [String])
    /// SIGHUP: the rules were loaded again.
    case rulesReloaded(count: Int, warnings: [String])
    /// SIGHUP: the new rules have errors; the ones loaded before keep running.
    case rulesNotReloaded(errors: [String])
    /// A marker slip recognised from what it did to spans, with what to write instead (once
    /// per kind and session).
    case likelyMistake(String)
    /// A target named by command name has no process yet: spanlog waits for one.
    case waitingForTargets(String)
    /// SIGHUP after the session had judged its last event (it came during the final drain): no
    /// event is left for new rules, so none were loaded.
    case reloadAfterLastEvent

    public static let reloadAfterLastEventText = "SIGHUP came while stopping, after the last event was judged: the rules were not reloaded"
}
