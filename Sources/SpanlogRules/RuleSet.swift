import SpanlogCore

/// A rule file's text and the name its diagnostics use.
public struct RuleSource: Sendable {
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// One compiled rule, ready to run. A class: it runs for every span or line, and copying a
/// struct of closures per evaluation cost more than the evaluation.
public final class Rule {
    public let name: String
    public let description: String
    public let priority: AlertPriority
    public let trigger: AlertTrigger
    /// For in-flight rules: how long a span must have been open.
    public let openLongerThan: Int64
    public let location: SourceLocation
    let condition: Predicate
    let output: OutputTemplate
    let throttle: ThrottleSpec?

    init(name: String, description: String, priority: AlertPriority, trigger: AlertTrigger, openLongerThan: Int64,
         location: SourceLocation, condition: @escaping Predicate, output: OutputTemplate, throttle: ThrottleSpec?) {
        self.name = name
        self.description = description
        self.priority = priority
        self.trigger = trigger
        self.openLongerThan = openLongerThan
        self.location = location
        self.condition = condition
        self.output = output
        self.throttle = throttle
    }
}

/// Compiled rules, in load order, and what loading them said (warnings).
public struct RuleSet {
    public let rules: [Rule]
    public let warnings: [RuleDiagnostic]

    public static var empty: RuleSet { RuleSet(rules: [], warnings: []) }

    /// Loads rule files in order; a later file may replace a rule (`override: true`), disable it
    /// (`enabled: false`), or redefine a macro or list. Throws every error found at once.
    public static func load(_ sources: [RuleSource]) throws(RuleLoadError) -> RuleSet {
        var loader = RuleSetLoader()
        for source in sources { loader.read(source) }
        let ruleSet = loader.compile()
        if loader.diagnostics.contains(where: { $0.severity == .error }) {
            throw RuleLoadError(diagnostics: loader.diagnostics)
        }
        return RuleSet(rules: ruleSet, warnings: loader.diagnostics)
    }

    /// Compiles one condition outside any rule file (`--filter`): no macros, no line fields.
    public static func compileFilter(_ text: String) throws(RuleLoadError) -> SpanCondition {
        let origin = ConditionOrigin(file: "--filter", line: 1, column: 1, text: text, sourceLines: [Substring(text)],
                                     quoted: false)
        var compiler = ConditionCompiler(macros: [:], lists: [:], trigger: .spanEnd)
        guard let predicate = compiler.compile(text, origin: origin) else {
            throw RuleLoadError(diagnostics: compiler.diagnostics)
        }
        let needsEnd = compiler.fieldsRead.contains { field in
            SpanCondition.endTimeFields.contains(field) || SpanCondition.endTimePrefixes.contains { field.hasPrefix($0) }
        }
        return SpanCondition(text: text, matches: predicate, needsSpanEnd: needsEnd)
    }
}

/// A condition on spans alone, compiled (`--filter`).
public struct SpanCondition {
    public let text: String
    public let matches: (RuleSubject) -> Bool
    /// The condition reads fields known only when the span ends (duration, counts, status, exit
    /// args): a span's lines must wait for its end to be judged.
    public let needsSpanEnd: Bool

    static let endTimeFields: Set<String> = ["span.duration", "span.lines", "span.errors", "span.errors_total",
                                             "span.end_reason", "span.outcome", "span.failure", "span.alerts",
                                             "span.bytes_written"]
    static let endTimePrefixes = ["span.exit_arg.", "span.arg.", "span.io.", "span.stdout_", "span.stderr_", "span.file_"]
}
