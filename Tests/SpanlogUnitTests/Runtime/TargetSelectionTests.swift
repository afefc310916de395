import SpanlogCore
@testable import SpanlogRuntime
import Testing

@Suite struct TargetSelectionTests {
    @Test func aNameNoProcessHasIsSaidWithTheRunningNameItMostLikelyMeant() {
        var targets = TargetSelection()
        targets.comms = ["pyhton3", "nginx", "zzzzzzzz"]
        let running: Set<String> = ["python3", "python", "nginx", "bash"]
        #expect(targets.namesNotRunning(among: running) == [
            "no process named pyhton3 runs now; spanlog waits for one to start (did you mean --comm python3?)",
            "no process named zzzzzzzz runs now; spanlog waits for one to start",
        ])
    }

    @Test func editDistanceCountsASwapOfNeighboursAsOneEdit() {
        func distance(_ a: String, _ b: String) -> Int { EditDistance.between(a, b) }
        #expect(distance("pyhton3", "python3") == 1)
        #expect(distance("gunicron", "gunicorn") == 1)
        #expect(distance("ngnix", "nginx") == 1)
        #expect(distance("", "abc") == 3)
        #expect(distance("kitten", "sitting") == 3)
    }
}
