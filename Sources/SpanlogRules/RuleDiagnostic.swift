/// A place in a rule file: 1-based line and column, as editors count them.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in rule files, printed as `FILE:LINE:COL: error: …` like a compiler.
public struct RuleDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error, warning
    }

    public var location: SourceLocation
    public var severity: Severity
    public var message: String

    public init(_ severity: Severity, at location: SourceLocation, _ message: String) {
        self.location = location
        self.severity = severity
        self.message = message
    }

    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// Rule files that could not be loaded: every error found (and the warnings), in file order.
public struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [RuleDiagnostic]

    public var errors: [RuleDiagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String {
        let errors = self.errors
        guard let first = errors.first else { return "rule files have problems" }
        let more = errors.count > 1 ? " (and \(errors.count - 1) more errors; run 'spanlog rules check')" : ""
        return "\(first)\(more)"
    }
}
