import SpanlogTestSupport
@testable import SpanlogCore
@testable import SpanlogOutputs
import Testing

/// Switch markers (`=:ID:TAGS::`) for async code: one thread works for many requests in turn.
@Suite struct SwitchMarkerTests {
    @Test(arguments: ["=:1234:request::", "[\"=\", 1234, [\"request\"], []]"])
    func bothFormsParse(text: String) throws {
        guard case .marker(let marker, _) = MarkerParser.parse(Array(text.utf8)) else {
            Issue.record("\(text) did not parse")
            return
        }
        #expect(marker.direction == .switchTo)
        #expect(marker.id == .number(1234))
        #expect(marker.tags == ["request"])
        #expect(marker.simpleForm == "=:1234:request::")
        #expect(MarkerLintReport.describe(marker).hasPrefix("switch, id 1234"))
    }

    /// An event loop: two requests (numeric ids) opened on one thread; before each line the loop
    /// switches to the request whose task runs. Every line lands in its own request, and a
    /// sub-span entered after a switch nests in that request.
    @Test func anEventLoopsLinesGoToTheRequestItSwitchedTo() throws {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:1:request:id=1:\n", pid: 10)
        h.marker(">:2:request:id=2:\n", pid: 10)
        h.marker("=:1:request::\n", pid: 10)
        h.stdout("one: accepted\n", pid: 10)
        h.marker("=:2:request::\n", pid: 10)
        h.stdout("two: accepted\n", pid: 10)
        h.marker("=:1:::\n", pid: 10)  // no tags: the newest open span of id 1
        h.marker(">:1:request.db::\n", pid: 10)
        h.stdout("one: query\n", pid: 10)
        h.marker("<:1:request.db::\n", pid: 10)
        h.marker("=:1:request::\n", pid: 10)
        h.stdout("one: done\n", pid: 10)
        h.marker("<:1:request::\n", pid: 10)
        h.marker("=:2:request::\n", pid: 10)
        h.stdout("two: done\n", pid: 10)
        h.marker("<:2:request::\n", pid: 10)
        h.stop()
        func spanOf(_ text: String) -> [String: String]? {
            guard let span = h.collector.line(text)?.span else { return nil }
            return Dictionary(uniqueKeysWithValues: span.enterArgs.map { ($0.name, $0.value) }).merging(["tags": span.tagPath]) { a, _ in a }
        }
        #expect(spanOf("one: accepted") == ["id": "1", "tags": "request"])
        #expect(spanOf("two: accepted") == ["id": "2", "tags": "request"])
        #expect(spanOf("one: query") == ["tags": "request.db"])
        #expect(spanOf("one: done") == ["id": "1", "tags": "request"])
        #expect(spanOf("two: done") == ["id": "2", "tags": "request"])
        let db = try #require(h.collector.span("request.db"))
        let one = try #require(h.collector.spans.first { $0.enterArgs.first?.value == "1" })
        #expect(db.parent == one.summary.uid, "the sub-span nests in the request switched to")
    }

    @Test func aSwitchToNoOpenSpanIsCountedAndWarned() {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker("=:99:request::\n", pid: 10)
        h.stdout("orphan\n", pid: 10)
        h.stop()
        #expect(h.engine.stats.unmatchedSwitches == 1)
        #expect(h.collector.warnings.contains { $0.kind == .unmatchedSwitch })
        #expect(h.collector.line("orphan")?.span == nil)
    }

    /// Spec 3: one ordering by enter time across the thread's spans and its process's.
    @Test func aPSpanInsideAHandedUpGlobalSpanEnclosesTheNextLine() throws {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">::build::\n", pid: 10, tid: 11)     // a global span of thread 11…
        h.exitThread(pid: 10, tid: 11)                  // …handed up to the process
        h.marker(">:p:step::\n", pid: 10)              // a p span opened after it
        h.stdout("inside step\n", pid: 10)
        h.stop()
        #expect(h.collector.line("inside step")?.span?.tagPath == "step")
    }

    /// `=:none:::` — an event loop between requests: a new request entered then is a root, not a
    /// child of the request the loop last switched to; the process's spans still enclose.
    @Test func aSwitchToNoneMakesTheNextEnterARoot() throws {
        let h = EngineHarness()
        h.start(pid: 10)
        h.marker(">:p:server::\n", pid: 10)
        h.marker(">:1:request::\n", pid: 10)
        h.marker("=:1:request::\n", pid: 10)
        h.stdout("one: working\n", pid: 10)
        h.marker("=:none:::\n", pid: 10)
        h.stdout("loop: accepted\n", pid: 10)
        h.marker(">:2:request::\n", pid: 10)
        h.stdout("two: working\n", pid: 10)
        h.stop()
        let server = try #require(h.collector.span("server"))
        let requests = h.collector.spans.filter { $0.summary.tagPath == "request" }
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.parent == server.summary.uid }, "both requests are children of the server")
        #expect(h.collector.line("loop: accepted")?.span?.tagPath == "server")
        #expect(h.collector.line("two: working")?.span?.id == 2)
        #expect(h.engine.stats.unmatchedSwitches == 0)
    }

    @Test(arguments: ["=:none:::", "[\"=\", \"none\", [], []]"])
    func switchToNoneParses(text: String) {
        guard case .marker(let marker, _) = MarkerParser.parse(Array(text.utf8)) else {
            Issue.record("\(text) did not parse")
            return
        }
        #expect(marker.id == .none)
        #expect(marker.simpleForm == "=:none:::")
    }

    @Test(arguments: [(">:none:::", 3), ("=:none:a::", 8), ("[\">\", \"none\", [], []]", 7)])
    func noneIsOnlyForSwitchesWithoutTags(text: String, column: Int) {
        guard case .invalid(let error) = MarkerParser.parse(Array(text.utf8)) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(error.column == column, "\(error)")
    }
}

/// Spec 6 bug: span records of spans whose writer exited keep its command and container.
@Suite struct SpanIdentityTests {
    @Test func aSpanKeepsTheCommandAndContainerItWasEnteredWith() throws {
        let h = EngineHarness()
        h.start(pid: 10, comm: "deploy.sh")
        h.start(pid: 11, parent: 10, creator: 10, comm: "echo", container: "abc123")
        h.marker(">:pp:deploy::\n", pid: 11)
        h.exitProcess(pid: 11)
        h.start(pid: 12, parent: 10, creator: 10, comm: "echo")
        h.marker("<:pp:deploy::\n", pid: 12)
        h.stop()
        let deploy = try #require(h.collector.span("deploy"))
        #expect(deploy.comm == "echo")
        #expect(deploy.container == "abc123")
    }
}
