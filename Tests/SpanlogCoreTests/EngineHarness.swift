@testable import SpanlogCore

/// Collects records in memory.
final class RecordCollector: RecordSink {
    var records: [Record] = []
    var finished = false

    func emit(_ record: Record) { records.append(record) }
    func flush() {}
    func finish() { finished = true }

    var lines: [LineRecord] { records.compactMap { if case .line(let line) = $0 { line } else { nil } } }
    var spans: [SpanRecord] { records.compactMap { if case .span(let span) = $0 { span } else { nil } } }
    var warnings: [WarningRecord] { records.compactMap { if case .warning(let warning) = $0 { warning } else { nil } } }

    func span(_ tagPath: String) -> SpanRecord? { spans.first { $0.summary.tagPath == tagPath } }
    func line(_ text: String) -> LineRecord? { lines.first { $0.textString == text } }
}

/// Drives an engine with events written the way a test reads best: who wrote what, in order.
final class EngineHarness {
    let collector = RecordCollector()
    let engine: Engine
    private(set) var clock: UInt64 = 1_000_000

    init(configure: (inout EngineConfiguration) -> Void = { _ in }) {
        var configuration = EngineConfiguration(monotonicToWallOffset: 1_700_000_000_000_000_000, session: 0xABCD)
        configure(&configuration)
        engine = Engine(configuration: configuration, sink: collector)
    }

    private func tick(_ by: UInt64 = 1_000) -> UInt64 {
        clock += by
        return clock
    }

    func advance(nanoseconds: UInt64) { clock += nanoseconds }

    func start(pid: Int32, parent: Int32 = 1, creator: Int32? = nil, comm: String = "app", container: String? = nil) {
        engine.process(.processStart(ProcessStart(timestamp: tick(), pid: pid, parentPid: parent, creatorTid: creator,
                                                  comm: comm, container: container)))
    }

    func marker(_ text: String, pid: Int32, tid: Int32? = nil) {
        write(text, pid: pid, tid: tid, target: .devNull)
    }

    func stdout(_ text: String, pid: Int32, tid: Int32? = nil) {
        write(text, pid: pid, tid: tid, target: .stdout)
    }

    func write(_ text: String, pid: Int32, tid: Int32? = nil, target: WriteTarget, path: String? = nil) {
        writeBytes(Array(text.utf8), pid: pid, tid: tid, target: target, path: path)
    }

    func writeBytes(_ bytes: [UInt8], pid: Int32, tid: Int32? = nil, target: WriteTarget, path: String? = nil,
                    writtenLength: Int? = nil) {
        engine.process(.write(WriteEvent(timestamp: tick(), pid: pid, tid: tid ?? pid, fd: target == .stderr ? 2 : 1,
                                         target: target, path: path, bytes: bytes[...], writtenLength: writtenLength)))
    }

    func exitThread(pid: Int32, tid: Int32) {
        engine.process(.exit(timestamp: tick(), pid: pid, tid: tid, processExited: false))
    }

    func exitProcess(pid: Int32, tid: Int32? = nil) {
        engine.process(.exit(timestamp: tick(), pid: pid, tid: tid ?? pid, processExited: true))
    }

    func moveToContainer(pid: Int32, container: String?) {
        engine.process(.containerChanged(timestamp: tick(), pid: pid, container: container))
    }

    func stop() {
        engine.process(.stop(timestamp: tick()))
    }
}
