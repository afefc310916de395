import SpanlogTestSupport
@testable import SpanlogOutputs
import SpanlogCore
import Testing

@Suite struct StatsdNameTests {
    @Test func tagsBecomeOneSafeMetricName() {
        #expect(StatsdOutput.sanitizedName(["http", "GET /users:42"]) == "http.GET__users_42")
        #expect(StatsdOutput.sanitizedName(["a.b", "", "ü"]) == "a_b._._")
        #expect(StatsdOutput.sanitizedName([]) == "untagged")
    }

    @Test(arguments: [(Int64(20_001_000), "20.001"), (100, "0"), (1_500_000_000, "1500"), (250_000, "0.25"),
                      (1_050_000, "1.05"), (7_000, "0.007"), (Int64.max, "9223372036854.776")])
    func millisecondsKeepThreeDecimalsAndNoExponent(nanoseconds: Int64, text: String) {
        var out: [UInt8] = []
        StatsdOutput.appendMilliseconds(nanoseconds, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == text)
    }

    @Test func anAddressWithoutAPortIsRefused() {
        #expect(throws: StatsdAddressError.self) { try StatsdOutput(address: "localhost", health: OutputHealth()) }
    }
}

@Suite struct LatencyBucketTests {
    /// Three buckets per decade from 1 µs to 100 s; each holds [lower edge, upper edge).
    @Test func bucketEdges() {
        #expect(LatencyBuckets.count == 26)
        #expect(LatencyBuckets.edges.first == 1_000)
        #expect(LatencyBuckets.edges[3] == 10_000)
        #expect(LatencyBuckets.edges[9] == 1_000_000)
        #expect(LatencyBuckets.edges.last == 100_000_000_000)
        #expect(LatencyBuckets.bucket(of: 0) == 0)
        #expect(LatencyBuckets.bucket(of: 999) == 0)
        #expect(LatencyBuckets.bucket(of: 1_000) == 1)
        #expect(LatencyBuckets.bucket(of: 2_153) == 1)
        #expect(LatencyBuckets.bucket(of: 2_154) == 2)
        #expect(LatencyBuckets.bucket(of: 9_999) == 3)
        #expect(LatencyBuckets.bucket(of: 10_000) == 4)
        #expect(LatencyBuckets.bucket(of: 99_999_999_999) == 24)
        #expect(LatencyBuckets.bucket(of: 100_000_000_000) == 25)
        #expect(LatencyBuckets.bucket(of: .max) == 25)
    }
}
