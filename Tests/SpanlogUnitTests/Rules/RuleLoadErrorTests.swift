import SpanlogTestSupport
@testable import SpanlogRules
import Testing

/// Each kind of mistake is reported at its exact file, line and column, with the rest of the
/// file still checked.
@Suite struct RuleLoadErrorTests {
    func first(_ yaml: String, file: String = "r.yaml") -> RuleDiagnostic? {
        diagnostics([(file, yaml)]).first { $0.severity == .error }
    }

    @Test func everyMistakeOfOneRuleIsReportedNotOnlyItsFirst() {
        let found = diagnostics([("r.yaml", """
            - rule: a
              condition: span.durration > 1s
              output: "%span.nope"
              priority: loud
              when: sometimes
              throttle: {rate: often, per: x}
            """)]).filter { $0.severity == .error }.map { "\($0.location)" }
        #expect(found.sorted() == ["r.yaml:2:14", "r.yaml:3:12", "r.yaml:4:13", "r.yaml:5:9", "r.yaml:6:20", "r.yaml:6:27"],
                "\(found)")
        let missing = diagnostics([("r.yaml", "- rule: a\n  priority: loud\n")]).filter { $0.severity == .error }.map(\.message)
        #expect(missing.count == 3, "no condition, no output, a bad priority: \(missing)")
    }

    @Test func badYAML() {
        let found = first("- rule: a\n  condition: span.depth = 0\n output: x\n")
        #expect(found?.location.line == 3)
        #expect(found?.message.hasPrefix("invalid YAML") == true)
    }

    @Test func unknownField() {
        let found = first("- rule: a\n  condition: span.depth = 0 and span.durration > 1s\n  output: x\n")
        #expect(found.map { "\($0.location)" } == "r.yaml:2:33")
        #expect(found?.message.contains("unknown field 'span.durration'") == true)
    }

    @Test func unknownOperator() {
        let found = first("- rule: a\n  condition: span.tags like request\n  output: x\n")
        #expect(found.map { "\($0.location)" } == "r.yaml:2:24")
        #expect(found?.message.contains("unknown operator 'like'") == true)
    }

    @Test func typeMismatch() {
        let found = first("- rule: a\n  condition: span.duration > \"abc\"\n  output: x\n")
        #expect(found.map { "\($0.location)" } == "r.yaml:2:30")
        #expect(found?.message.contains("span.duration is a duration") == true)
        #expect(first("- rule: a\n  condition: span.duration > 500\n  output: x\n")?.message.contains("write a unit") == true)
        #expect(first("- rule: a\n  condition: span.tags > 5\n  output: x\n") != nil)
        #expect(first("- rule: a\n  condition: span.lines contains 5\n  output: x\n") != nil)
    }

    @Test func undefinedMacro() {
        let found = first("- rule: a\n  condition: span.depth = 0 and is_checkout\n  output: x\n")
        #expect(found.map { "\($0.location)" } == "r.yaml:2:33")
        #expect(found?.message == "undefined macro 'is_checkout'; define it with '- macro: is_checkout'")
    }

    @Test func macroCycle() {
        let yaml = """
            - macro: a
              condition: b and span.depth = 0
            - macro: b
              condition: span.lines > 1 and a
            - rule: r
              condition: a
              output: x
            """
        let found = first(yaml)
        #expect(found?.message == "macro cycle: a -> b -> a")
        #expect(found.map { "\($0.location)" } == "r.yaml:4:33")
    }

    @Test func badDuration() {
        let found = first("- rule: a\n  condition: span.duration > 5sec\n  output: x\n")
        #expect(found.map { "\($0.location)" } == "r.yaml:2:31")  // the unit
        #expect(found?.message.contains("unknown unit 'sec'") == true)
        let when = first("- rule: a\n  when: {span_open_longer_than: soon}\n  condition: span.depth = 0\n  output: x\n")
        #expect(when.map { "\($0.location)" } == "r.yaml:2:33")
    }

    @Test func badThrottle() {
        let found = first("- rule: a\n  condition: span.depth = 0\n  output: x\n  throttle: 5 per minute\n")
        #expect(found.map { "\($0.location)" } == "r.yaml:4:13")
        #expect(found?.message.contains("write N/WINDOW") == true)
        #expect(first("- rule: a\n  condition: span.depth = 0\n  output: x\n  throttle: 0/1s\n") != nil)
    }

    @Test func badOutputField() {
        let found = first("- rule: a\n  condition: span.depth = 0\n  output: \"took %span.durasion in %proc.name\"\n")
        #expect(found.map { "\($0.location)" } == "r.yaml:3:17")
        #expect(found?.message == "output: unknown field 'span.durasion'")
        #expect(first("- rule: a\n  condition: span.depth = 0\n  output: \"%line.text\"\n")?.message
            == "output: line.text is only known in rules with 'when: line'")
    }

    @Test func duplicateRule() {
        let yaml = "- rule: a\n  condition: span.depth = 0\n  output: x\n- rule: a\n  condition: span.depth = 1\n  output: y\n"
        let found = first(yaml)
        #expect(found.map { "\($0.location)" } == "r.yaml:4:3")
        #expect(found?.message.contains("duplicate rule 'a' (first defined at r.yaml:1:3)") == true)
    }

    @Test func unknownKeyAndPriorityAndMissingParts() {
        let typo = diagnostics([("r.yaml", "- rule: a\n  conditon: span.depth = 0\n  output: x\n")])
        #expect(typo.contains { "\($0.location)" == "r.yaml:2:3" && $0.message.hasPrefix("unknown key 'conditon' in rule 'a'") })
        #expect(first("- rule: a\n  condition: span.depth = 0\n  output: x\n  priority: urgent\n")?.message.hasPrefix("unknown priority 'urgent'") == true)
        #expect(first("- rule: a\n  output: x\n")?.message == "rule 'a' needs a 'condition:'")
        #expect(first("- rule: a\n  condition: line.text contains x\n  output: x\n")?.message
            == "line.text is only known in rules with 'when: line'")
        #expect(first("- rule: a\n  condition: (span.depth = 0\n  output: x\n")?.message.hasPrefix("expected ')'") == true)
    }

    @Test func blockScalarConditionsPointIntoTheirLines() {
        let yaml = "- rule: a\n  condition: >\n    span.depth = 0\n    and span.bogus = 1\n  output: x\n"
        #expect(first(yaml).map { "\($0.location)" } == "r.yaml:4:9")
    }

    @Test func everyErrorIsReportedNotJustTheFirst() {
        let yaml = "- rule: a\n  condition: span.nope = 1\n  output: x\n- rule: b\n  condition: span.depth = 0\n  output: \"%nope\"\n"
        #expect(diagnostics([("r.yaml", yaml)]).filter { $0.severity == .error }.count == 2)
    }

    @Test func warningsForUnusedMacrosAndRulesThatCannotFire() {
        let yaml = """
            - macro: unused
              condition: span.depth = 0
            - rule: never
              when: line
              condition: span.end_reason = done
              output: x
            - rule: ok_while_running
              when: line
              condition: span.outcome = ok
              output: x
            """
        let found = diagnostics([("r.yaml", yaml)])
        #expect(found.allSatisfy { $0.severity == .warning })
        #expect(found.contains { $0.message == "macro 'unused' is never used" && $0.location.line == 1 })
        #expect(found.contains { $0.message.contains("span.end_reason is never 'done'") })
        #expect(found.contains { $0.message.contains("span.end_reason is still_open while the span runs: this rule can never fire") })
        #expect(found.contains { $0.message.contains("span.outcome is failed or unfinished while the span runs") && $0.location.line == 9 })
    }

    @Test func theOldStatusFieldSaysWhatReplacedIt() {
        let yaml = "- rule: a\n  condition: span.status = ok\n  output: x\n"
        let found = diagnostics([("r.yaml", yaml)])
        #expect(found.count == 1 && found[0].severity == .error)
        #expect(found.first?.message.contains("span.end_reason says how the span ended") == true)
    }

    @Test func laterFilesOverrideOrDisableByName() throws {
        let base = "- rule: slow\n  condition: span.duration > 1s\n  output: slow\n- rule: other\n  condition: span.depth = 0\n  output: o\n"
        let local = "- rule: slow\n  override: true\n  condition: span.duration > 2s\n  output: slower\n- rule: other\n  enabled: false\n"
        let set = try RuleSet.load([RuleSource(name: "a.yaml", text: base), RuleSource(name: "b.yaml", text: local)])
        #expect(set.rules.map(\.name) == ["slow"])
        #expect(set.rules[0].location.file == "b.yaml")
    }

    @Test func theShippedRulesLoadCleanly() throws {
        let set = try RuleSelection(paths: ["builtin"]).load()
        #expect(set.rules.count >= 6)
        #expect(set.warnings.isEmpty)
    }
}
