import SpanlogTestSupport
@testable import SpanlogCore
@testable import SpanlogRules
import Testing

@Suite struct ConditionTests {
    static let checkout = RuleSubject(span: span(
        tags: ["request", "checkout"], depth: 1, durationMs: 612,
        enter: [("user", "42"), ("path", "/checkout/cart"), ("user", "ignored duplicate")],
        exit: [("status", "503"), ("error", "")], lines: 7, errors: 2, errorsTotal: 3, endReason: .exitMarker,
        comm: "python3", pid: 900, container: "abc123"))

    @Test(arguments: [
        // Each operator, true and false.
        ("span.tags = request.checkout", true), ("span.tags = \"request\"", false),
        ("span.tags != request", true), ("span.tags != request.checkout", false),
        ("span.duration > 500ms", true), ("span.duration > 1s", false),
        ("span.duration >= 612ms", true), ("span.duration < 612ms", false), ("span.duration <= 612ms", true),
        ("span.lines < 8", true), ("span.lines <= 6", false),
        ("proc.name contains yth", true), ("proc.name contains java", false),
        ("proc.name icontains PYTH", true), ("proc.name startswith py", true), ("proc.name endswith on3", true),
        ("proc.name endswith python", false), ("span.enter_arg.path glob /checkout/*", true),
        ("span.enter_arg.path glob /cart/*", false), ("proc.name matches '^py[a-z]+[0-9]$'", true),
        ("proc.name matches '^java'", false), ("proc.name in (java, python3)", true), ("proc.name in (java, go)", false),
        ("proc.pid in (1, 900)", true), ("span.exit_arg.error exists", true), ("span.exit_arg.missing exists", false),
        // Precedence: not > and > or.
        ("span.depth = 0 or span.depth = 1 and proc.pid = 900", true),
        ("span.depth = 1 or span.depth = 0 and proc.pid = 1", true),
        ("(span.depth = 1 or span.depth = 0) and proc.pid = 1", false),
        ("not span.depth = 0 and proc.pid = 900", true), ("not (span.depth = 1 and proc.pid = 900)", false),
        ("not span.depth = 1 or proc.pid = 900", true),
        // Arguments compare as numbers against numbers, as text against text.
        ("span.exit_arg.status >= 500", true), ("span.exit_arg.status > 503", false), ("span.exit_arg.status = 503", true),
        ("span.exit_arg.status = \"503\"", true), ("span.exit_arg.status in (500, 503)", true),
        ("span.enter_arg.user = 42", true),
        // Missing fields make comparisons false, and `not` of that true.
        ("span.exit_arg.nope = 1", false), ("span.exit_arg.nope != 1", false), ("not span.exit_arg.nope = 1", true),
        ("span.tag[5] = x", false), ("span.tag[-1] = checkout", true), ("span.tag[0] = request", true),
        ("span.arg.user = 42", true), ("span.arg.status = 503", true),
        ("span.errors_total = 3 and span.errors = 2", true), ("container.id = abc123", true),
        ("span.end_reason = exit_marker", true), ("span.end_reason in (abandoned, timeout)", false),
        ("span.outcome = failed", true), ("span.failure = \"exit_status,error_lines\"", true),
        ("span.failure contains timeout", false), ("span.alerts = 0", true),
        // Durations in every unit.
        ("span.duration > 600000us", true), ("span.duration > 612000001ns", false), ("span.duration < 1m", true),
        ("span.duration < 0.01h", true),
        // String escapes.
        ("proc.name != \"py\\\"thon\"", true),
    ])
    func conditionOnASpan(condition: String, expected: Bool) {
        #expect(matches(condition, Self.checkout) == expected, "\(condition)")
    }

    @Test func lineFieldsInLineRules() {
        let subject = RuleSubject(span: Self.checkout.span, line: line("ERROR card declined", level: .error, stream: .stderr))
        #expect(matches("line.level >= warning", subject, trigger: .line) == true)
        #expect(matches("line.level = error and line.stream = stderr", subject, trigger: .line) == true)
        #expect(matches("line.level < error", subject, trigger: .line) == false)
        #expect(matches("line.text icontains declined and span.tag[-1] = checkout", subject, trigger: .line) == true)
        #expect(matches("line.path exists", subject, trigger: .line) == false)
        let noLevel = RuleSubject(span: Self.checkout.span, line: line("plain"))
        #expect(matches("line.level >= debug", noLevel, trigger: .line) == false)
    }

    @Test func macrosAndListsExpand() throws {
        let macros = """
            - list: slow_paths
              items: ["/checkout/cart", "/search"]
            - list: all_paths
              items: [slow_paths, /home]
            - macro: is_checkout
              condition: span.tag[-1] = checkout
            - macro: slow_checkout
              condition: is_checkout and span.duration > 500ms

            """
        let predicate = try compile("slow_checkout and span.enter_arg.path in (all_paths)", macros: macros).get()
        #expect(predicate(Self.checkout))
    }
}
