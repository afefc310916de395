import SpanlogTestSupport
import Foundation
@testable import SpanlogRules
import Testing

@Suite struct DefaultRulesTests {
    static let repository = Repository.root

    @Test func theEmbeddedRulesAreRulesDefaultYAML() throws {
        let file = try String(contentsOf: Self.repository.appendingPathComponent("rules/default.yaml"), encoding: .utf8)
        #expect(DefaultRules.text + "\n" == file, "rules/default.yaml changed: run bash scripts/embed-rules.sh")
    }

    @Test func theExamplesLoadBesideTheDefaults() throws {
        let set = try RuleSelection(paths: ["builtin", Self.repository.appendingPathComponent("rules/examples").path]).load()
        #expect(set.warnings.isEmpty, "\(set.warnings)")
        #expect(set.rules.contains { $0.name == "card_declined" && $0.trigger == .line })
        #expect(set.rules.contains { $0.name == "checkout_hanging" && $0.trigger == .inFlight })
    }

    /// The failure alert says what the exit marker said, whichever argument said it.
    @Test func theFailureAlertNamesTheArgumentThatReportedIt() throws {
        let harness = try RuleHarness(DefaultRules.text)
        for exit in ["error=timeout", "status=503", "ok=false"] {
            harness.marker(">:t:request::")
            harness.marker("<:t:request:\(exit):")
        }
        harness.stop()
        let messages = harness.output.alerts.filter { $0.rule == "span_reported_failure" }.map(\.message)
        #expect(messages.count == 3)
        for (message, exit) in zip(messages, ["error=timeout", "status=503", "ok=false"]) {
            #expect(message.hasPrefix("request reported failure on exit (\(exit)) "), "\(message)")
        }
    }
}
