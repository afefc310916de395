import Foundation
import SpanlogCore

/// A small capture written the way the collector would have: a process, spans, lines.
package struct CaptureFixture {
    package var events: [RawEvent] = []
    private var clock: UInt64 = 1_000_000
    package let pid: Int32 = 700

    package init(requests: Int = 3, linesPerRequest: Int = 2) {
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

    /// The demo shop's shape: three requests with db and payment steps; /search is slow (500 ms),
    /// /checkout for user 23 fails (two error lines in its payment step, exit status 500).
    package static func shop() -> CaptureFixture {
        var fixture = CaptureFixture(requests: 0, linesPerRequest: 0)
        fixture.events.removeLast(2)  // the stderr line and the exit
        func request(_ id: Int, path: String, user: Int, ms: UInt64, fail: Bool) {
            fixture.write(">:t:request:id=\(id),path=\(path),user=\(user):\n", target: .devNull)
            fixture.write("[INFO] request \(id): \(path) for user \(user)\n", target: .stdout)
            fixture.write(">:t:request.db:table=orders:\n", target: .devNull)
            fixture.clock += ms * 1_000_000
            fixture.write("<:t:request.db:rows=3:\n", target: .devNull)
            if fail {
                fixture.write(">:t:request.payment:provider=acme:\n", target: .devNull)
                fixture.write("[ERROR] request \(id): card declined by acme\n", target: .stdout)
                fixture.write("ERROR payment failed\n", target: .stdout)
                fixture.write("<:t:request.payment::\n", target: .devNull)
            }
            fixture.write("<:t:request:status=\(fail ? 500 : 200):\n", target: .devNull)
        }
        request(1, path: "/home", user: 42, ms: 20, fail: false)
        request(4, path: "/search", user: 19, ms: 500, fail: false)
        request(5, path: "/checkout", user: 23, ms: 20, fail: true)
        fixture.events.append(.exit(timestamp: fixture.tick(), pid: fixture.pid, tid: fixture.pid, processExited: true))
        return fixture
    }

    private mutating func tick() -> UInt64 {
        clock += 1_000
        return clock
    }

    /// A write to /dev/null before the process exits.
    package mutating func markerWrite(_ text: String) {
        let exit = events.removeLast()
        write(text, target: .devNull)
        events.append(exit)
    }

    private mutating func write(_ text: String, target: WriteTarget) {
        events.append(.write(WriteEvent(timestamp: tick(), pid: pid, tid: pid, fd: target == .devNull ? 3 : 1,
                                        target: target, bytes: Array(text.utf8)[...])))
    }

    /// The encoded capture; `complete: false` leaves out the final stop event.
    package func bytes() -> [UInt8] {
        var out = CaptureEncoder.encode(CaptureHeader(monotonicToWallOffset: 1_790_000_000_000_000_000,
                                                      session: 0x5eed, startMonotonic: 1_000_000, host: "test"))
        for event in events { CaptureEncoder.encode(event, into: &out) }
        CaptureEncoder.encode(.stop(timestamp: clock + 1_000), into: &out)
        CaptureEncoder.encodeEnd(events: events.count + 1, lostEvents: 0, into: &out)
        return out
    }

    package func write(to url: URL) throws {
        try Data(bytes()).write(to: url)
    }
}

/// A directory for one test, removed afterwards.
package final class Scratch {
    package let url: URL

    package init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("spanlog-runtime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    package func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// JSON Lines parsed into objects.
package func jsonRecords(_ text: String) -> [[String: Any]] {
    text.split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
}
