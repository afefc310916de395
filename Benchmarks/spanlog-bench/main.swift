// Engine throughput benchmark: a synthetic capture of 1,000,000 lines of about 100 bytes in
// 10,000 nested spans, replayed through the capture decoder, the engine and the JSON renderer
// to /dev/null on one thread.
//
//   swift run -c release spanlog-bench replay            # prints lines per second
//   swift run -c release spanlog-bench generate FILE [N [S]] # a capture of N lines in S spans for `spanlog replay`
//   swift run -c release spanlog-bench runtime FILE 10   # direct engine vs a runtime session, alternating
//   swift run -c release spanlog-bench rules FILE 10     # no rules vs 100 span-end + 10 line rules
//   swift run -c release spanlog-bench analytics FILE 10 # replay vs replay with --summary --statsd
//   for c in 1 2 3 4 5 6; do .build/release/spanlog-bench open-spans 1000000 $c; done   # eviction, memory
//   swift run -c release spanlog-bench top-redraw 10000 10  # spanlog top's redraw at 200x60, ms
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SpanlogCore
import SpanlogOutputs
import SpanlogRules
import SpanlogRuntime
import SpanlogTop

struct Workload {
    var lines = 1_000_000
    var spans = 10_000
    var depth = 5
    let pid: Int32 = 4242
    let threads: [Int32] = [4242, 4243, 4244, 4245]

    /// Spans are opened in chains `depth` deep (req > req.db > req.db.query …); every span
    /// writes `lines / spans` lines, each in its own write as a line-buffered program does.
    func capture() -> [UInt8] {
        let header = CaptureHeader(monotonicToWallOffset: 1_790_000_000_000_000_000, session: 0x5eed,
                                   startMonotonic: 1_000, host: "bench")
        var out = CaptureEncoder.encode(header)
        var events = 0
        func add(_ event: RawEvent) {
            CaptureEncoder.encode(event, into: &out)
            events += 1
        }
        out.reserveCapacity(lines * 140)
        var clock: UInt64 = 1_000
        func tick() -> UInt64 { clock += 1_000; return clock }
        add(.processStart(ProcessStart(timestamp: tick(), pid: pid, parentPid: 1, creatorTid: nil,
                                                         comm: "bench-app")))
        let linesPerSpan = lines / spans
        let tagNames = ["req", "db", "query", "row", "decode", "check", "cache", "http"]
        var written = 0
        var spanIndex = 0
        while spanIndex < spans {
            let tid = threads[(spanIndex / depth) % threads.count]
            let chain = min(depth, spans - spanIndex)
            var tags: [String] = []
            for level in 0..<chain {
                tags.append(tagNames[level % tagNames.count])
                let tagText = tags.joined(separator: ".")
                let enter = Array(">:t:\(tagText):item=\(spanIndex + level),user=\((spanIndex * 7) % 1000):\n".utf8)
                add(.write(WriteEvent(timestamp: tick(), pid: pid, tid: tid, fd: 3, target: .devNull,
                                                        bytes: enter[...])))
                for lineNumber in 0..<linesPerSpan {
                    let text = "2026-11-28 15:21:09,123 INFO worker-\(tid): processed item \(spanIndex + level)"
                        + " line \(lineNumber) for user \(written % 997) in 3 ms; cache=hit status=ok\n"
                    add(.write(WriteEvent(timestamp: tick(), pid: pid, tid: tid, fd: 1, target: .stdout,
                                                            bytes: Array(text.utf8)[...])))
                    written += 1
                }
            }
            for level in stride(from: chain - 1, through: 0, by: -1) {
                let tagText = tags[0...level].joined(separator: ".")
                let exit = Array("<:t:\(tagText):status=200:\n".utf8)
                add(.write(WriteEvent(timestamp: tick(), pid: pid, tid: tid, fd: 3, target: .devNull,
                                                        bytes: exit[...])))
            }
            spanIndex += chain
        }
        add(.exit(timestamp: tick(), pid: pid, tid: pid, processExited: true))
        add(.stop(timestamp: tick()))
        CaptureEncoder.encodeEnd(events: events, lostEvents: 0, into: &out)
        return out
    }
}

final class DevNullOutput: ByteOutput {
    let fd = open("/dev/null", O_WRONLY)
    func write(_ bytes: UnsafeRawBufferPointer) { _ = Glibc.write(fd, bytes.baseAddress, bytes.count) }
    func flush() {}
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func replayBenchmark(_ capture: [UInt8], rounds: Int) {
    var best = Double.infinity
    var lines = 0
    for _ in 0..<rounds {
        let started = monotonicSeconds()
        var decoder = CaptureDecoder()
        var engine: Engine?
        do {
            // Chunks of 1 MiB, as `spanlog replay` reads them.
            for chunkStart in stride(from: 0, to: capture.count, by: 1 << 20) {
                decoder.append(capture[chunkStart..<min(capture.count, chunkStart + (1 << 20))])
                while let event = try decoder.next() {
                    if engine == nil, let header = decoder.header {
                        let configuration = EngineConfiguration(monotonicToWallOffset: header.monotonicToWallOffset,
                                                                session: header.session)
                        engine = Engine(configuration: configuration, sink: JSONRenderer(output: DevNullOutput()))
                    }
                    engine!.process(event)
                }
            }
        } catch {
            fatalError("benchmark capture is damaged: \(error)")
        }
        let elapsed = monotonicSeconds() - started
        lines = engine!.stats.lines
        best = min(best, elapsed)
        print("round: \(lines) lines in \((elapsed * 1000).rounded() / 1000) s = \(Int(Double(lines) / elapsed)) lines/s")
    }
    print("best: \(Int(Double(lines) / best)) lines/s (\(capture.count) capture bytes, \(lines) lines)")
}

/// The same capture file replayed to JSON on /dev/null two ways in alternating rounds: the
/// engine fed directly (the replay loop before the runtime existed) and a runtime `Session`
/// with one JSON output (what `spanlog replay --format json` runs). Same binary, same code
/// layout: the difference is the runtime's own cost.
func runtimeBenchmark(path: String, rounds: Int) throws {
    func direct() throws -> Int {
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        var decoder = CaptureDecoder()
        var engine: Engine?
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            decoder.append(chunk[..<count])
            while let event = try decoder.next() {
                if engine == nil, let header = decoder.header {
                    engine = Engine(configuration: EngineConfiguration(monotonicToWallOffset: header.monotonicToWallOffset,
                                                                       session: header.session),
                                    sink: JSONRenderer(output: DevNullOutput()))
                }
                engine!.process(event)
            }
        }
        return engine?.stats.lines ?? 0
    }
    func session() throws -> Int {
        var configuration = SessionConfiguration(source: .capture(path: path))
        configuration.outputs = [.json(path: "/dev/null")]
        return try Session(configuration).run().stats?.lines ?? 0
    }
    var times: [String: [Double]] = ["direct": [], "session": []]
    for _ in 0..<rounds {
        for (name, body) in [("direct", direct), ("session", session)] {
            let started = monotonicSeconds()
            let lines = try body()
            times[name]!.append(Double(lines) / (monotonicSeconds() - started))
        }
    }
    for name in ["direct", "session"] {
        let rates = times[name]!.sorted()
        print("\(name): median \(Int(rates[rates.count / 2])) lines/s, best \(Int(rates.last!)) lines/s")
    }
    let ratio = times["session"]!.sorted()[rounds / 2] / times["direct"]!.sorted()[rounds / 2]
    print("session/direct (medians): \((ratio * 1000).rounded() / 1000)")
}

/// A rule set of the size the rules issue names: 100 span-end rules and 10 line rules, shaped
/// like real ones (a tag or argument test first, then durations, statuses, text searches).
func benchmarkRules() -> String {
    var yaml = ""
    for index in 0..<100 {
        let condition: String
        switch index % 4 {
        case 0: condition = "span.tags = \"svc\(index).handler\" and span.duration > \(index + 1)ms"
        case 1: condition = "span.exit_arg.status >= 500 and span.enter_arg.user = \"\(index)\""
        case 2: condition = "span.tag[-1] = query and span.duration > \(10 + index)s"
        default: condition = "span.errors_total > \(index) or span.end_reason in (abandoned, timeout)"
        }
        yaml += "- rule: span_rule_\(index)\n  condition: '\(condition)'\n  output: \"%span.tags %span.duration\"\n"
    }
    for index in 0..<10 {
        let condition = index % 2 == 0
            ? "line.level >= error and span.tags startswith req"
            : "line.text contains \"failed item \(index)\" and span.depth > 0"
        yaml += "- rule: line_rule_\(index)\n  when: line\n  condition: '\(condition)'\n  output: \"%line.text\"\n"
    }
    return yaml
}

/// Replay of the same capture without rules and with `benchmarkRules()`, alternating rounds.
func rulesBenchmark(path: String, rounds: Int) throws {
    let rulesPath = "/tmp/spanlog-bench-rules.yaml"
    _ = FileManager.default.createFile(atPath: rulesPath, contents: Data(benchmarkRules().utf8))
    func session(_ rules: RuleSelection?) throws -> Int {
        var configuration = SessionConfiguration(source: .capture(path: path))
        configuration.outputs = [.json(path: "/dev/null")]
        configuration.rules = rules
        return try Session(configuration).run().stats?.lines ?? 0
    }
    var rates: [String: [Double]] = ["without rules": [], "with 110 rules": []]
    for _ in 0..<rounds {
        for (name, rules) in [("without rules", nil), ("with 110 rules", RuleSelection(paths: [rulesPath]))] {
            let started = monotonicSeconds()
            let lines = try session(rules)
            rates[name]!.append(Double(lines) / (monotonicSeconds() - started))
        }
    }
    for name in ["without rules", "with 110 rules"] {
        let sorted = rates[name]!.sorted()
        print("\(name): median \(Int(sorted[sorted.count / 2])) lines/s, best \(Int(sorted.last!)) lines/s")
    }
    let ratio = rates["with 110 rules"]!.sorted()[rounds / 2] / rates["without rules"]!.sorted()[rounds / 2]
    print("with/without (medians): \((ratio * 1000).rounded() / 1000)")
}

/// Replay of the same capture to JSON without and with `--summary --statsd` (to a UDP socket on
/// 127.0.0.1 that nobody reads), alternating rounds.
func analyticsBenchmark(path: String, rounds: Int) throws {
    let sink = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sink, $0, length) == 0 && getsockname(sink, $0, &length) == 0 }
    }
    let port = UInt16(bigEndian: address.sin_port)
    func session(_ analytics: Bool) throws -> (lines: Int, spans: Int) {
        var configuration = SessionConfiguration(source: .capture(path: path))
        configuration.outputs = [.json(path: "/dev/null")] + (analytics ? [.statsd(address: "127.0.0.1:\(port)")] : [])
        configuration.summary = analytics ? SummarySettings() : nil
        let stats = try Session(configuration).run().stats
        return (stats?.lines ?? 0, stats?.spansEnded ?? 0)
    }
    let names = ["replay to JSON", "with --summary --statsd"]
    var seconds: [String: [Double]] = [:]
    var counts = (lines: 0, spans: 0)
    for _ in 0..<rounds {
        for (index, name) in names.enumerated() {
            let started = monotonicSeconds()
            counts = try session(index == 1)
            seconds[name, default: []].append(monotonicSeconds() - started)
        }
    }
    print("capture: \(counts.lines) lines, \(counts.spans) spans")
    for name in names {
        let sorted = seconds[name]!.sorted()
        print("\(name): median \((sorted[sorted.count / 2] * 1000).rounded() / 1000) s, best \((sorted[0] * 1000).rounded() / 1000) s")
    }
    let ratio = seconds[names[0]]!.sorted()[rounds / 2] / seconds[names[1]]!.sorted()[rounds / 2]
    print("throughput with/without (medians): \((ratio * 1000).rounded() / 1000)")
    close(sink)
}

/// Resident memory of this process, in bytes. Measured in a fresh process per configuration,
/// so that memory freed by an earlier one and kept by malloc does not hide the cost.
func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = Int(statm.split(separator: " ")[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Opens `count` spans that are never closed (a thread's `t` spans, one key, and numeric ids,
/// one key each), with and without a bound that evicts half of them; prints the time of each
/// and the memory an open span takes. `only` runs one configuration (by its number).
func openSpansBenchmark(count: Int, only: Int?) {
    var configuration = 0
    final class Discard: RecordSink {
        func emit(_ record: Record) {}
        func flush() {}
        func finish() {}
    }
    func run(_ label: String, bound: Int, marker: (Int) -> String) {
        configuration += 1
        if let only, only != configuration { return }
        var configuration = EngineConfiguration(monotonicToWallOffset: 0, session: 1)
        configuration.maxOpenSpans = bound
        let engine = Engine(configuration: configuration, sink: Discard())
        engine.process(.processStart(ProcessStart(timestamp: 1, pid: 10, parentPid: 1, creatorTid: nil, comm: "bench")))
        let before = residentBytes()
        let started = monotonicSeconds()
        for index in 0..<count {
            let bytes = Array(marker(index).utf8)
            engine.process(.write(WriteEvent(timestamp: UInt64(index + 2), pid: 10, tid: 10, fd: 3, target: .devNull,
                                             bytes: bytes[...])))
        }
        let elapsed = monotonicSeconds() - started
        let open = engine.stats.spansStarted - engine.stats.evictedSpans
        let perSpan = open > 0 ? (residentBytes() - before) / open : 0
        print("\(label): \(count) spans in \((elapsed * 1000).rounded() / 1000) s, \(open) open, \(engine.stats.evictedSpans) evicted, ~\(perSpan) bytes per open span")
    }
    let thread = { (index: Int) in ">:t:request:id=\(index),user=\(index % 1000):\n" }
    let numeric = { (index: Int) in ">:\(index + 1):request:id=\(index),user=\(index % 1000):\n" }
    run("t spans, 2 args, no bound", bound: Int.max, marker: thread)
    run("t spans, 2 args, bound \(count / 2)", bound: count / 2, marker: thread)
    run("numeric ids, 2 args, no bound", bound: Int.max, marker: numeric)
    run("numeric ids, 2 args, bound \(count / 2)", bound: count / 2, marker: numeric)
    run("t spans, 1 arg, no bound", bound: Int.max) { ">:t:request:id=\($0):\n" }
    run("t spans, no args, no bound", bound: Int.max) { _ in ">:t:request::\n" }
}

/// `spanlog top`'s redraw at 200×60 with `paths` tag paths (a hundred services of `paths / 100`
/// operations each, five spans per path): the figures read again and the frame built, as the
/// screen does every interval. Cold (every row new), then after a span ended on every path (each
/// row's percentiles worked out again), sorted by count (figures for the rows on screen only) and
/// by p99 (figures for every row). Prints the median and the slowest of `rounds`, in ms.
func topRedrawBenchmark(paths: Int, rounds: Int) {
    final class Feed: RecordSink {
        let model = TopModel()
        func emit(_ record: Record) { model.ingest(record) }
        func flush() {}
        func finish() {}
    }
    let feed = Feed()
    let engine = Engine(configuration: EngineConfiguration(monotonicToWallOffset: 1_790_000_000_000_000_000, session: 1), sink: feed)
    engine.process(.processStart(ProcessStart(timestamp: 1, pid: 10, parentPid: 1, creatorTid: nil, comm: "bench")))
    var clock: UInt64 = 2
    func span(_ path: Int, duration: UInt64) {
        let tags = "svc\(path % 100).op\(path / 100)"
        for (marker, advance) in [(">:t:\(tags)::\n", duration), ("<:t:\(tags)::\n", 1_000)] {
            engine.process(.write(WriteEvent(timestamp: clock, pid: 10, tid: 10, fd: 3, target: .devNull,
                                             bytes: Array(marker.utf8)[...])))
            clock += advance
        }
    }
    for round in 0..<5 {
        for path in 0..<paths { span(path, duration: UInt64(1_000 + (path * 7919 + round * 104_729) % 50_000_000)) }
    }
    let screen = TopScreen(source: "bench", glyphs: .unicode)
    screen.rows = 60
    screen.columns = 200
    func measure(_ label: String, before: () -> Void) {
        var times: [Double] = []
        for _ in 0..<rounds {
            before()
            let started = monotonicSeconds()
            screen.refresh(feed.model)
            let frame = screen.frame()
            times.append((monotonicSeconds() - started) * 1000)
            precondition(frame.lines.count == 60)
        }
        times.sort()
        let median = times[times.count / 2], slowest = times[times.count - 1]
        print("\(label): median \((median * 10).rounded() / 10) ms, slowest \((slowest * 10).rounded() / 10) ms")
    }
    print("top redraw, 200x60, \(paths) tag paths (and their 100 parents' names), \(paths * 5) spans")
    measure("refresh, sorted by count") {}
    var round = 5
    measure("a span ended on every path since, sorted by count") {
        for path in 0..<paths { span(path, duration: UInt64(2_000 + (path * 31 + round) % 40_000_000)) }
        round += 1
    }
    _ = screen.handle(.character(">"), model: { $0(feed.model) })  // rate
    for _ in 0..<6 { _ = screen.handle(.character(">"), model: { $0(feed.model) }) }  // p99
    measure("a span ended on every path since, sorted by p99") {
        for path in 0..<paths { span(path, duration: UInt64(2_000 + (path * 31 + round) % 40_000_000)) }
        round += 1
    }
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "generate":
    guard let path = arguments.dropFirst().first else {
        print("usage: spanlog-bench generate FILE [LINES [SPANS]]")
        exit(2)
    }
    var workload = Workload()
    if let lines = arguments.dropFirst(2).first.flatMap({ Int($0) }) {
        workload.lines = lines
        workload.spans = max(5, lines / 100)
    }
    if let spans = arguments.dropFirst(3).first.flatMap({ Int($0) }) { workload.spans = max(1, spans) }
    let capture = workload.capture()
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else {
        print("cannot create \(path)")
        exit(2)
    }
    _ = capture.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    print("wrote \(capture.count) bytes to \(path)")
case "runtime":
    guard let path = arguments.dropFirst().first else {
        print("usage: spanlog-bench runtime FILE [ROUNDS]")
        exit(2)
    }
    try runtimeBenchmark(path: path, rounds: arguments.dropFirst(2).first.flatMap { Int($0) } ?? 10)
case "rules":
    guard let path = arguments.dropFirst().first else {
        print("usage: spanlog-bench rules FILE [ROUNDS]")
        exit(2)
    }
    try rulesBenchmark(path: path, rounds: arguments.dropFirst(2).first.flatMap { Int($0) } ?? 10)
case "analytics":
    guard let path = arguments.dropFirst().first else {
        print("usage: spanlog-bench analytics FILE [ROUNDS]")
        exit(2)
    }
    try analyticsBenchmark(path: path, rounds: arguments.dropFirst(2).first.flatMap { Int($0) } ?? 10)
case "open-spans":
    openSpansBenchmark(count: arguments.dropFirst().first.flatMap { Int($0) } ?? 200_000,
                       only: arguments.dropFirst(2).first.flatMap { Int($0) })
case "top-redraw":
    topRedrawBenchmark(paths: arguments.dropFirst().first.flatMap { Int($0) } ?? 10_000,
                       rounds: arguments.dropFirst(2).first.flatMap { Int($0) } ?? 10)
case "replay", nil:
    let rounds = arguments.dropFirst().first.flatMap { Int($0) } ?? 3
    replayBenchmark(Workload().capture(), rounds: rounds)
default:
    print("usage: spanlog-bench [replay [ROUNDS] | generate FILE | runtime FILE [ROUNDS] | rules FILE [ROUNDS]]")
    exit(2)
}
