import SpanlogTestSupport
import Foundation
import SpanlogCore
import Testing

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: SpanlogBinary.url.path),
                "the spanlog binary is not built (swift build)"))
struct RulesCommandTests {
    @Test func checkPrintsEachProblemAtItsPlaceAndFails() throws {
        let scratch = try Scratch()
        try """
            - rule: slow
              condition: span.durration > 1s
              output: "%span.tags"
            - rule: slow
              condition: span.duration > 1s
              output: x
            """.write(toFile: scratch.path("bad.yaml"), atomically: true, encoding: .utf8)
        let text = try SpanlogBinary.run(["rules", "check", scratch.path("bad.yaml")])
        #expect(text.status == 1)
        #expect(text.stdout.contains("\(scratch.path("bad.yaml")):2:14: error: unknown field 'span.durration'"))
        #expect(text.stdout.contains("\(scratch.path("bad.yaml")):4:3: error: duplicate rule 'slow'"))
        #expect(text.stdout.hasSuffix("2 errors, 0 warnings\n"))

        let json = try SpanlogBinary.run(["rules", "check", scratch.path("bad.yaml"), "--format", "json"])
        #expect(json.status == 1)
        let problems = jsonRecords(json.stdout)
        #expect(problems.count == 2)
        #expect(problems.first?["line"] as? Int == 2 && problems.first?["column"] as? Int == 14)
        #expect(problems.first?["severity"] as? String == "error")
    }

    @Test func checkAcceptsTheShippedRules() throws {
        let defaults = try SpanlogBinary.run(["rules", "check"])
        #expect(defaults.status == 0, "\(defaults.stdout)")
        #expect(defaults.stdout.hasSuffix("warnings\n") && defaults.stdout.contains("rules loaded, 0 warnings"))
        let examples = try SpanlogBinary.run(["rules", "check", "builtin", Self.repository + "/rules/examples"])
        #expect(examples.status == 0, "\(examples.stdout)")
    }

    @Test func fieldsListsEveryFieldWithItsType() throws {
        let result = try SpanlogBinary.run(["rules", "fields"])
        #expect(result.status == 0)
        for field in ["span.duration", "span.exit_arg.NAME", "span.errors_total", "line.level", "container.id"] {
            #expect(result.stdout.contains(field))
        }
    }

    @Test func replayShowsWhatARuleSetWouldHaveRaised() throws {
        let scratch = try Scratch()
        try CaptureFixture.shop().write(to: scratch.url.appendingPathComponent("shop.cap"))
        try """
            - rule: slow_search
              condition: span.enter_arg.path = /search and span.duration > 100ms
              output: "search for user %span.enter_arg.user took %span.duration"
              priority: warning
            - rule: failed_checkout
              condition: span.enter_arg.path = /checkout and span.exit_arg.status >= 500
              output: "checkout failed with %span.exit_arg.status"
              priority: error
            """.write(toFile: scratch.path("shop.yaml"), atomically: true, encoding: .utf8)

        let json = try SpanlogBinary.run(["replay", scratch.path("shop.cap"), "--rules", scratch.path("shop.yaml"), "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let alerts = jsonRecords(json.stdout).filter { $0["type"] as? String == "alert" }
        #expect(alerts.compactMap { $0["message"] as? String }
            == ["search for user 19 took 500ms", "checkout failed with 500"])
        #expect(alerts.map { $0["priority"] as? String } == ["warning", "error"])
        #expect(alerts.allSatisfy { ($0["span"] as? [String: Any])?["tags"] as? [String] == ["request"] })

        let grouped = try SpanlogBinary.run(["replay", scratch.path("shop.cap"), "--rules", scratch.path("shop.yaml"), "--group",
                                       "--color", "never"])
        let lines = grouped.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.contains("path=/checkout") && $0.contains("status=500") })
        #expect(lines[header].hasPrefix("✗ request#"))
        #expect(lines[header].contains("failed"))
        #expect(lines[header + 1] == "    ! ERROR failed_checkout: checkout failed with 500")

        let live = try SpanlogBinary.run(["replay", scratch.path("shop.cap"), "--rules", scratch.path("shop.yaml"), "--color", "never"])
        let liveLines = live.stdout.split(separator: "\n").map(String.init)
        let spanLine = try #require(liveLines.firstIndex { $0.contains("✗ request#") && $0.contains("status=500") })
        #expect(liveLines[spanLine + 1] == "    ! ERROR failed_checkout: checkout failed with 500")

        // With the defaults, the same capture raises the built-in alerts.
        let defaults = try SpanlogBinary.run(["replay", scratch.path("shop.cap"), "--format", "json"])
        let rules = Set(jsonRecords(defaults.stdout).filter { $0["type"] as? String == "alert" }.compactMap { $0["rule"] as? String })
        #expect(rules == ["slow_request", "request_with_errors", "span_reported_failure"])
        let none = try SpanlogBinary.run(["replay", scratch.path("shop.cap"), "--format", "json", "--no-default-rules"])
        #expect(!none.stdout.contains("\"type\":\"alert\""))
    }

    @Test func brokenRulesStopASessionBeforeItStartsWithEveryProblem() throws {
        let scratch = try Scratch()
        try CaptureFixture().write(to: scratch.url.appendingPathComponent("run.cap"))
        try "- rule: a\n  condition: span.nope = 1\n  output: x\n".write(toFile: scratch.path("bad.yaml"), atomically: true,
                                                                            encoding: .utf8)
        let result = try SpanlogBinary.run(["replay", scratch.path("run.cap"), "--rules", scratch.path("bad.yaml")])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.yaml:2:14: error: unknown field 'span.nope'"))
        #expect(result.stderr.contains("cannot load rules"))
        #expect(result.stdout.isEmpty)
    }

    static let repository = Repository.root.path
}
