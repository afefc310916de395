import SpanlogTestSupport
@testable import SpanlogCore
import Testing

/// The two commonest marker slips are recognised from what they do to spans and said once.
@Suite struct MistakeHintTests {
    func hints(_ harness: EngineHarness) -> [WarningRecord] {
        harness.collector.warnings.filter { $0.kind == .likelyMistake }
    }

    @Test func markersBufferedIntoOneWriteWithNoLineBetweenAreSaidOnce() {
        let harness = EngineHarness()
        var said: [String] = []
        harness.engine.onLikelyMistake = { said.append($0) }
        harness.start(pid: 10, comm: "shop")
        harness.stdout("charging card\n", pid: 10)
        harness.stdout("charging again\n", pid: 10)
        // What a fully buffered FILE* to /dev/null flushes at exit: every marker in one write.
        harness.marker(">:t:checkout::\n<:t:checkout::\n>:t:checkout::\n<:t:checkout::\n", pid: 10)
        harness.stop()
        let found = hints(harness)
        #expect(found.count == 1)
        #expect(found.first?.details.first { $0.name == "mistake" }.map { "\($0.value)" }?.contains("buffered_markers") == true)
        #expect(said.count == 1 && said.first?.contains("setvbuf(tracer, NULL, _IONBF, 0)") == true, "\(said)")
    }

    @Test func markersInWritesOfTheirOwnSayNothingEvenAroundAnEmptySpan() {
        let harness = EngineHarness()
        harness.start(pid: 10)
        harness.marker(">:t:checkout::\n", pid: 10)
        harness.marker("<:t:checkout::\n", pid: 10)
        harness.stop()
        #expect(hints(harness).isEmpty)
    }

    @Test func aThreadMarkerFromAShortLivedHelperIsSaidOnceWithWhatToWrite() {
        let harness = EngineHarness()
        harness.start(pid: 10, comm: "sh")
        for helper: Int32 in [11, 12] {
            harness.start(pid: helper, parent: 10, creator: 10, comm: "echo")
            harness.marker(">:t:deploy::\n", pid: helper)
            harness.exitProcess(pid: helper)
        }
        harness.stdout("deploying\n", pid: 10)
        harness.stop()
        #expect(harness.collector.spans.allSatisfy { $0.endReason == .abandoned })
        let found = hints(harness)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("echo[11]") == true && found.first?.message.contains("'pp'") == true,
                "\(found.first?.message ?? "")")
    }

    @Test func aThreadThatEndsItsOwnLongSpanIsNoHelper() {
        let harness = EngineHarness()
        harness.start(pid: 10, comm: "worker")
        harness.marker(">:t:job::\n", pid: 10)
        harness.advance(nanoseconds: 500_000_000)
        harness.exitProcess(pid: 10)
        harness.stop()
        #expect(hints(harness).isEmpty)
    }
}
