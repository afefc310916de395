import SpanlogTestSupport
import Testing
@testable import SpanlogCore
@testable import SpanlogOutputs

@Suite struct CaptureFileTests {
    static let header = CaptureHeader(monotonicToWallOffset: 1_700_000_000_000_000_000, session: 0x1234,
                                      startMonotonic: 500, host: "host-a")

    static let events: [RawEvent] = [
        .processStart(ProcessStart(timestamp: 1_000, pid: 10, parentPid: 1, creatorTid: nil, comm: "app",
                                   container: "abc123")),
        .processStart(ProcessStart(timestamp: 1_100, pid: 11, parentPid: 10, creatorTid: 10, comm: "child")),
        .write(WriteEvent(timestamp: 2_000, pid: 10, tid: 10, fd: 3, target: .devNull,
                          bytes: Array(">:t:req:user=42:\n".utf8)[...])),
        .write(WriteEvent(timestamp: 2_100, pid: 11, tid: 11, fd: 1, target: .stdout,
                          bytes: Array("hello from the child\n".utf8)[...])),
        .write(WriteEvent(timestamp: 2_200, pid: 10, tid: 10, fd: 7, target: .file(device: 2049, inode: 77),
                          path: "/var/log/app.log", bytes: [0xFF, 0x0A][...], writtenLength: 40_000)),
        .exec(timestamp: 2_300, pid: 11, comm: "curl"),
        .containerChanged(timestamp: 2_310, pid: 11, container: "def456"),
        .containerChanged(timestamp: 2_320, pid: 10, container: nil),
        .exit(timestamp: 2_400, pid: 11, tid: 11, processExited: true),
        .lost(timestamp: 2_500, count: 9),
        .skipped(timestamp: 2_510, SkippedOutput(treePipeWrites: 3, treePipeBytes: 45, otherFileWrites: 1, otherFileBytes: 13)),
        .threadIO(timestamp: 2_520, tid: 10, ThreadIO(readBytes: 10_000, writtenBytes: 21, reads: 1, writes: 3)),
        .write(WriteEvent(timestamp: 2_600, pid: 10, tid: 10, fd: 2, target: .stderr,
                          bytes: Array("partial".utf8)[...])),
        .stop(timestamp: 3_000),
    ]

    static func encodedCapture() -> [UInt8] {
        var bytes = CaptureEncoder.encode(header)
        for event in events { CaptureEncoder.encode(event, into: &bytes) }
        CaptureEncoder.encodeEnd(events: events.count, lostEvents: 0, into: &bytes)
        return bytes
    }

    static func decodeAll(_ bytes: [UInt8], chunk: Int) -> (events: [RawEvent], error: CaptureError?, header: CaptureHeader?) {
        var decoder = CaptureDecoder()
        var events: [RawEvent] = []
        do {
            for start in stride(from: 0, to: bytes.count, by: chunk) {
                decoder.append(bytes[start..<min(bytes.count, start + chunk)])
                while let event = try decoder.next() { events.append(event) }
            }
            try decoder.finish()
            return (events, nil, decoder.header)
        } catch {
            return (events, error, decoder.header)
        }
    }

    @Test(arguments: [1, 7, 4096])
    func roundTripGivesTheSameEvents(chunk: Int) {
        let decoded = Self.decodeAll(Self.encodedCapture(), chunk: chunk)
        #expect(decoded.error == nil)
        #expect(decoded.header == Self.header)
        #expect(decoded.events == Self.events)
    }

    /// The collector's fields ride after the host; a header without them reads as before.
    @Test func theHeaderKeepsTheCollectorsFields() {
        var header = Self.header
        header.collector = [.init(name: "attach", value: "fexit"), .init(name: "build", value: "kfuncs")]
        var bytes = CaptureEncoder.encode(header)
        for event in Self.events { CaptureEncoder.encode(event, into: &bytes) }
        CaptureEncoder.encodeEnd(events: Self.events.count, lostEvents: 0, into: &bytes)
        let decoded = Self.decodeAll(bytes, chunk: 5)
        #expect(decoded.error == nil)
        #expect(decoded.header?.collector == header.collector)
        #expect(decoded.events == Self.events)
        #expect(Self.decodeAll(Self.encodedCapture(), chunk: 4096).header?.collector == [])
    }

    @Test func replayGivesTheRecordsOfTheLiveRun() {
        func render(_ events: [RawEvent]) -> String {
            let output = MemoryOutput()
            let engine = Engine(configuration: EngineConfiguration(monotonicToWallOffset: Self.header.monotonicToWallOffset,
                                                                   session: Self.header.session),
                                sink: JSONRenderer(output: output))
            for event in events { engine.process(event) }
            return output.text
        }
        let live = render(Self.events)
        let replayed = render(Self.decodeAll(Self.encodedCapture(), chunk: 333).events)
        #expect(!live.isEmpty)
        #expect(live == replayed)
    }

    @Test func truncatedCaptureKeepsEverythingBeforeTheCutAndNamesTheOffset() throws {
        let full = Self.encodedCapture()
        let cut = Array(full.prefix(full.count - 21 - 5))  // the end record, and 5 bytes of the stop event
        let decoded = Self.decodeAll(cut, chunk: 64)
        #expect(decoded.events == Array(Self.events.dropLast()))
        let error = try #require(decoded.error)
        #expect(error.offset == UInt64(full.count - 21 - 13), "the stop event starts 13 bytes before the end record")
        #expect(error.description.contains("byte offset"))
    }

    /// A recorder killed between two events leaves a file that decodes cleanly to its last
    /// byte: only the missing end record says it is incomplete.
    @Test func aCaptureCutBetweenTwoEventsSaysItEndsEarly() throws {
        let full = Self.encodedCapture()
        let cut = Array(full.prefix(full.count - 21))
        let decoded = Self.decodeAll(cut, chunk: 64)
        #expect(decoded.events == Self.events, "everything is processed")
        let error = try #require(decoded.error)
        #expect(error.offset == UInt64(cut.count))
        #expect(error.reason.contains("ends early, after \(Self.events.count) events: it has no end record"))
    }

    @Test func anEndRecordThatMiscountsOrIsFollowedIsDamage() throws {
        var miscounted = CaptureEncoder.encode(Self.header)
        for event in Self.events { CaptureEncoder.encode(event, into: &miscounted) }
        CaptureEncoder.encodeEnd(events: Self.events.count + 1, lostEvents: 0, into: &miscounted)
        #expect(Self.decodeAll(miscounted, chunk: 64).error?.reason.contains("counts") == true)
        var followed = Self.encodedCapture()
        CaptureEncoder.encode(Self.events[0], into: &followed)
        #expect(Self.decodeAll(followed, chunk: 64).error?.reason == "an event follows the end record")
    }

    @Test func corruptLengthIsReportedAtItsOffset() throws {
        var bytes = Self.encodedCapture()
        let headerLength = CaptureEncoder.encode(Self.header).count
        var firstEventOnly: [UInt8] = []
        CaptureEncoder.encode(Self.events[0], into: &firstEventOnly)
        let secondEventOffset = headerLength + firstEventOnly.count
        for index in 0..<4 { bytes[secondEventOffset + index] = 0xFF }
        let decoded = Self.decodeAll(bytes, chunk: 100)
        #expect(decoded.events == [Self.events[0]])
        #expect(decoded.error?.offset == UInt64(secondEventOffset))
    }

    /// Version 1 files (before the container-change event) read as they always did.
    @Test func versionOneCapturesStillRead() {
        let older = Self.events.filter { if case .containerChanged = $0 { false } else { true } }
        var bytes = CaptureEncoder.encode(Self.header)
        bytes[8] = 1
        bytes[9] = 0
        for event in older { CaptureEncoder.encode(event, into: &bytes) }
        let decoded = Self.decodeAll(bytes, chunk: 50)
        #expect(decoded.error == nil)
        #expect(decoded.events == older)
    }

    @Test func unknownVersionIsRejectedWithTheVersionsThatAreRead() throws {
        var bytes = Self.encodedCapture()
        bytes[8] = 9
        let error = try #require(Self.decodeAll(bytes, chunk: 100).error)
        #expect(error.offset == 8)
        #expect(error.reason == "capture version 9 is not supported (this spanlog reads versions 1 to 4)")
    }

    @Test func notACaptureIsRejectedAtOffsetZero() {
        let decoded = Self.decodeAll(Array("hello, this is not a capture file".utf8), chunk: 100)
        #expect(decoded.error?.offset == 0)
        #expect(decoded.error?.notACapture == true)
        #expect(decoded.error?.description == "not a spanlog capture: it is text (spanlog's text view, or a log), not a capture file")
        let binary = Self.decodeAll([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], chunk: 100)
        #expect(binary.error?.reason == "it does not start like one (no spanlog capture header)")
    }
}
