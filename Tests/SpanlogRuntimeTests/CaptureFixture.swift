import Foundation
import SpanlogCore

/// A small capture written the way the collector would have: a process, spans, lines.
struct CaptureFixture {
    var events: [RawEvent] = []
    private var clock: UInt64 = 1_000_000
    let pid: Int32 = 700

    init(requests: Int = 3, linesPerRequest: Int = 2) {
        events.append(.processStart(ProcessStart(timestamp: tick(), pid: pid, parentPid: 1, creatorTid: nil,
                                                 comm: "shop")))
        for request in 0..<requests {
            write(">:t:request:id=\(request):\n", target: .devNull)
            for line in 0..<linesPerRequest { write("request \(request) line \(line)\n", target: .stdout) }
            write("<:t:request:status=200:\n", target: .devNull)
        }
        write("outside any span\n", target: .stderr)
        events.append(.exit(timestamp: tick(), pid: pid, tid: pid, processExited: true))
    }

    private mutating func tick() -> UInt64 {
        clock += 1_000
        return clock
    }

    private mutating func write(_ text: String, target: WriteTarget) {
        events.append(.write(WriteEvent(timestamp: tick(), pid: pid, tid: pid, fd: target == .devNull ? 3 : 1,
                                        target: target, bytes: Array(text.utf8)[...])))
    }

    /// The encoded capture; `complete: false` leaves out the final stop event.
    func bytes() -> [UInt8] {
        var out = CaptureEncoder.encode(CaptureHeader(monotonicToWallOffset: 1_790_000_000_000_000_000,
                                                      session: 0x5eed, startMonotonic: 1_000_000, host: "test"))
        for event in events { CaptureEncoder.encode(event, into: &out) }
        CaptureEncoder.encode(.stop(timestamp: clock + 1_000), into: &out)
        return out
    }

    func write(to url: URL) throws {
        try Data(bytes()).write(to: url)
    }
}

/// A directory for one test, removed afterwards.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("spanlog-runtime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// JSON Lines parsed into objects.
func jsonRecords(_ text: String) -> [[String: Any]] {
    text.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
}
