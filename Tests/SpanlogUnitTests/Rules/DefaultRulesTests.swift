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
}
