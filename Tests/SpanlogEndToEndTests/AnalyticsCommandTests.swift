#if canImport(Glibc)
import SpanlogTestSupport
import Glibc
#endif
import Foundation
import Testing

/// Span analytics on replayed captures: `--filter`, `--summary`, `spanlog summary` and the
/// statsd output, through the built binary.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: SpanlogBinary.url.path),
                "the spanlog binary is not built (swift build)"))
struct AnalyticsCommandTests {
    /// The shop capture: /home and /checkout take about 20 ms in the db, /search 500 ms.
    static func shop(in scratch: Scratch) throws -> String {
        try CaptureFixture.shop().write(to: scratch.url.appendingPathComponent("shop.cap"))
        return scratch.path("shop.cap")
    }

    static func records(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try SpanlogBinary.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return jsonRecords(result.stdout)
    }

    static func of(_ type: String, _ records: [[String: Any]]) -> [[String: Any]] {
        records.filter { $0["type"] as? String == type }
    }

    /// An end-time condition: spans are judged when they end, and their lines wait for it.
    @Test func aDurationFilterKeepsTheSlowSpansAndTheirLinesOnly() throws {
        let scratch = try Scratch()
        let records = try Self.records(["replay", try Self.shop(in: scratch), "--format", "json", "--no-default-rules",
                                        "--filter", "span.tag[0] = \"request\" and span.duration > 100ms"])
        let spans = Self.of("span", records)
        #expect(Set(spans.map { ($0["tags"] as? [String] ?? []).joined(separator: ".") }) == ["request", "request.db"])
        #expect(spans.allSatisfy { ($0["duration_ns"] as? Int ?? 0) > 100_000_000 })
        let lines = Self.of("line", records).map { $0["text"] as? String ?? "" }
        #expect(lines == ["[INFO] request 4: /search for user 19"])
        let stats = try #require(Self.of("stats", records).first)
        #expect(stats["filter_spans_dropped"] as? Int == 5)
        #expect(stats["filter_lines_dropped"] as? Int == 4)
    }

    /// An enter-time condition judges a span at its first line: nothing is held back.
    @Test func anEnterArgumentFilterSelectsOneRequest() throws {
        let scratch = try Scratch()
        let records = try Self.records(["replay", try Self.shop(in: scratch), "--format", "json", "--no-default-rules",
                                        "--filter", "span.enter_arg.user = 23"])
        #expect(Self.of("span", records).map { $0["enter_args"] as? [String: String] ?? [:] } ==
                [["id": "5", "path": "/checkout", "user": "23"]])
        #expect(Self.of("line", records).map { $0["text"] as? String ?? "" } == ["[INFO] request 5: /checkout for user 23"],
                "the payment step's lines belong to the payment span, which has no user")
    }

    @Test func aBrokenFilterIsAClearUsageError() throws {
        let result = try SpanlogBinary.run(["replay", "x.cap", "--filter", "span.duration > fast"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--filter:1:"), "\(result.stderr)")
    }

    /// The checkout request fails twice over (exit status 500, error lines in its payment step):
    /// every output, a rule, the filter and the summary call it failed, for the same reasons.
    @Test func aFailedSpanIsFailedEverywhere() throws {
        let scratch = try Scratch()
        try "- rule: failed_request\n  condition: span.depth = 0 and span.outcome = failed\n  output: \"%span.failure\"\n"
            .write(toFile: scratch.path("rules.yaml"), atomically: true, encoding: .utf8)
        let records = try Self.records(["replay", try Self.shop(in: scratch), "--rules", scratch.path("rules.yaml"),
                                        "--filter", "span.outcome = failed", "--summary",
                                        "--output", "json", "--output", "text:\(scratch.path("view.txt"))",
                                        "--color", "never"])
        let spans = Self.of("span", records)
        #expect(spans.map { ($0["tags"] as? [String] ?? []).joined(separator: ".") } == ["request.payment", "request"])
        let request = try #require(spans.last)
        #expect(request["outcome"] as? String == "failed")
        #expect(request["failure"] as? [String] == ["exit_status", "error_lines"])
        #expect(request["end_reason"] as? String == "exit_marker")
        #expect(Self.of("alert", records).map { $0["message"] as? String } == ["exit_status,error_lines"])
        let view = try String(contentsOfFile: scratch.path("view.txt"), encoding: .utf8)
        #expect(view.contains("✗ request#5  failed (exit status, error lines)"), "\(view)")
        #expect(!view.contains(" ok "), "\(view)")
        let summary = try #require(Self.of("summary", records).first { $0["tags"] as? [String] == ["request"] })
        #expect(summary["count"] as? Int == 1 && summary["failed"] as? Int == 1)
    }

    @Test func summaryFiguresMatchTheKnownDurations() throws {
        let scratch = try Scratch()
        let rows = Self.of("summary", try Self.records(["summary", try Self.shop(in: scratch), "--format", "json"]))
        #expect(rows.map { $0["tags"] as? [String] ?? [] } == [["request"], ["request", "db"], ["request", "payment"]])
        let db = try #require(rows.first { $0["tags"] as? [String] == ["request", "db"] })
        #expect(db["count"] as? Int == 3)
        #expect(db["min_ns"] as? Int == 20_001_000)
        #expect(db["max_ns"] as? Int == 500_001_000)
        #expect(db["mean_ns"] as? Int == 180_001_000)
        // HDR histogram, three significant digits: within 0.1%.
        let p50 = Double(db["p50_ns"] as? Int ?? 0)
        #expect(abs(p50 - 20_001_000) / 20_001_000 < 0.001)
        #expect(db["p99_ns"] as? Int == 500_001_000)
        #expect(db["lines_mean"] as? Double == 0)
        let request = try #require(rows.first)
        #expect(request["count"] as? Int == 3)
        #expect(request["failed"] as? Int == 1, "the checkout failed")
        #expect(request["lines_mean"] as? Double == 1)
        #expect(Self.of("line", try Self.records(["summary", try Self.shop(in: scratch), "--format", "json"])).isEmpty)
    }

    @Test func summaryHistogramsAndTheTextTable() throws {
        let scratch = try Scratch()
        let capture = try Self.shop(in: scratch)
        let rows = Self.of("summary", try Self.records(["summary", capture, "--histogram", "--format", "json"]))
        let db = try #require(rows.first { $0["tags"] as? [String] == ["request", "db"] })
        let histogram = try #require(db["histogram"] as? [Int])
        #expect(histogram.count == 26)
        #expect(histogram.reduce(0, +) == 3)
        // 20 ms is in [10 ms, 21.5 ms): bucket 13; 500 ms in [464 ms, 1 s): bucket 18.
        #expect(histogram[13] == 2 && histogram[18] == 1)
        let text = try SpanlogBinary.run(["summary", capture, "--histogram"]).stdout
        #expect(text.contains("TAGS"))
        #expect(text.contains("  db "), "children are indented under their parents")
        #expect(text.contains("█"))
        #expect(text.contains("1µs"))
    }

    @Test func summaryOnALiveModeEndsTheOutput() throws {
        let scratch = try Scratch()
        let records = try Self.records(["replay", try Self.shop(in: scratch), "--format", "json", "--summary"])
        let types = records.compactMap { $0["type"] as? String }
        #expect(types.suffix(4) == ["summary", "summary", "summary", "stats"])
        #expect(types.contains("line"))
    }

    /// A UDP socket bound to a free port of 127.0.0.1, and the port.
    static func boundUDPSocket() throws -> (socket: Int32, port: UInt16) {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                guard bind(descriptor, $0, length) == 0, getsockname(descriptor, $0, &length) == 0 else {
                    throw POSIXError(.EADDRINUSE)
                }
            }
        }
        return (descriptor, UInt16(bigEndian: address.sin_port))
    }

    /// A real UDP listener on 127.0.0.1 receives the metrics, batched, at the address given.
    @Test func statsdMetricsReachARealListener() throws {
        let (listener, port) = try Self.boundUDPSocket()
        defer { close(listener) }
        let scratch = try Scratch()
        let result = try SpanlogBinary.run(["replay", try Self.shop(in: scratch), "--format", "json", "--statsd", "127.0.0.1:\(port)"])
        #expect(result.status == 0, "\(result.stderr)")

        var metrics: [String] = []
        var datagrams = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(listener, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard count > 0 else { break }
            #expect(count <= 1432)
            datagrams += 1
            metrics += String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").map(String.init)
        }
        #expect(datagrams >= 1)
        let timers = metrics.filter { $0.hasSuffix("|ms") }
        #expect(timers.count == 7, "\(metrics)")
        #expect(timers.contains { $0.hasPrefix("spanlog.request.db:500.001|ms") })
        #expect(metrics.contains("spanlog.request.payment.errors:2|c"))
        #expect(metrics.contains { $0.hasPrefix("spanlog.alerts.") && $0.hasSuffix(":1|c") }, "\(metrics)")
        let outputs = jsonRecords(result.stdout).last?["outputs"] as? [[String: Any]] ?? []
        #expect(outputs.contains { $0["name"] as? String == "statsd:127.0.0.1:\(port)" && $0["failed_writes"] as? Int == 0 })
    }

    /// Nobody listening: the pipeline does not block, and what was not delivered is counted.
    @Test func statsdWithNobodyListeningIsCountedNotBlocking() throws {
        // A port just freed: nothing listens there.
        let (probe, port) = try Self.boundUDPSocket()
        close(probe)
        let scratch = try Scratch()
        try CaptureFixture(requests: 200, linesPerRequest: 1).write(to: scratch.url.appendingPathComponent("many.cap"))
        let result = try SpanlogBinary.run(["replay", scratch.path("many.cap"), "--format", "json", "--output",
                                      "statsd:127.0.0.1:\(port)"])
        let stats = jsonRecords(result.stdout).last
        #expect(Self.of("span", jsonRecords(result.stdout)).count == 200, "the other output got everything")
        let statsd = (stats?["outputs"] as? [[String: Any]] ?? []).first { ($0["name"] as? String ?? "").hasPrefix("statsd") }
        #expect((statsd?["failed_writes"] as? Int ?? 0) >= 1, "\(String(describing: statsd))")
        let error = statsd?["error"] as? String ?? ""
        #expect(error.contains("nothing listens"), "\(error)")
    }

    /// The last datagram goes before the final stats record, so a failure to send it is in the
    /// stats (it was sent at the very end, after them, and reported on stderr only). On
    /// loopback a refused datagram's ICMP error is waiting before the next send returns, so the
    /// first datagram goes out and every later one is refused.
    @Test func statsdsLastFailedDatagramIsInTheStatsAsOnStderr() throws {
        let (probe, port) = try Self.boundUDPSocket()
        close(probe)
        let scratch = try Scratch()
        // Two datagrams' worth of timers: the first sent when full, the second at the end.
        try CaptureFixture(requests: 60, linesPerRequest: 0).write(to: scratch.url.appendingPathComponent("two.cap"))
        let result = try SpanlogBinary.run(["replay", scratch.path("two.cap"), "--format", "json", "--output",
                                            "statsd:127.0.0.1:\(port)"])
        let stats = jsonRecords(result.stdout).last
        let statsd = (stats?["outputs"] as? [[String: Any]] ?? []).first { ($0["name"] as? String ?? "").hasPrefix("statsd") }
        #expect(result.stderr.contains("output statsd:127.0.0.1:\(port) failed"), "\(result.stderr)")
        #expect(statsd?["failed_writes"] as? Int == 1, "\(String(describing: statsd))")
    }
}
