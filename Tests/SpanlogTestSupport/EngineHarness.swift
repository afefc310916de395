import SpanlogCore

/// Collects records in memory.
package final class RecordCollector: RecordSink {
    package var records: [Record] = []
    package var finished = false

    package func emit(_ record: Record) { records.append(record) }
    package func flush() {}
    package func finish() { finished = true }

    package var lines: [LineRecord] { records.compactMap { if case .line(let line) = $0 { line } else { nil } } }
    package var spans: [SpanRecord] { records.compactMap { if case .span(let span) = $0 { span } else { nil } } }
    package var warnings: [WarningRecord] { records.compactMap { if case .warning(let warning) = $0 { warning } else { nil } } }

    package func span(_ tagPath: String) -> SpanRecord? { spans.first { $0.summary.tagPath == tagPath } }
    package func line(_ text: String) -> LineRecord? { lines.first { $0.textString == text } }
}

/// Drives an engine with events written the way a test reads best: who wrote what, in order.
package final class EngineHarness {
    package let collector = RecordCollector()
    package let engine: Engine
    package private(set) var clock: UInt64 = 1_000_000

    package init(configure: (inout EngineConfiguration) -> Void = { _ in }) {
        var configuration = EngineConfiguration(monotonicToWallOffset: 1_700_000_000_000_000_000, session: 0xABCD)
        configure(&configuration)
        engine = Engine(configuration: configuration, sink: collector)
    }

    private func tick(_ by: UInt64 = 1_000) -> UInt64 {
        clock += by
        return clock
    }

    package func advance(nanoseconds: UInt64) { clock += nanoseconds }

    package func start(pid: Int32, parent: Int32 = 1, creator: Int32? = nil, comm: String = "app", container: String? = nil) {
        engine.process(.processStart(ProcessStart(timestamp: tick(), pid: pid, parentPid: parent, creatorTid: creator,
                                                  comm: comm, container: container)))
    }

    package func marker(_ text: String, pid: Int32, tid: Int32? = nil) {
        write(text, pid: pid, tid: tid, target: .devNull)
    }

    package func stdout(_ text: String, pid: Int32, tid: Int32? = nil) {
        write(text, pid: pid, tid: tid, target: .stdout)
    }

    package func write(_ text: String, pid: Int32, tid: Int32? = nil, target: WriteTarget, path: String? = nil) {
        writeBytes(Array(text.utf8), pid: pid, tid: tid, target: target, path: path)
    }

    package func writeBytes(_ bytes: [UInt8], pid: Int32, tid: Int32? = nil, target: WriteTarget, path: String? = nil,
                    writtenLength: Int? = nil) {
        engine.process(.write(WriteEvent(timestamp: tick(), pid: pid, tid: tid ?? pid, fd: target == .stderr ? 2 : 1,
                                         target: target, path: path, bytes: bytes[...], writtenLength: writtenLength)))
    }

    package func exitThread(pid: Int32, tid: Int32) {
        engine.process(.exit(timestamp: tick(), pid: pid, tid: tid, processExited: false))
    }

    package func exitProcess(pid: Int32, tid: Int32? = nil) {
        engine.process(.exit(timestamp: tick(), pid: pid, tid: tid ?? pid, processExited: true))
    }

    package func moveToContainer(pid: Int32, container: String?) {
        engine.process(.containerChanged(timestamp: tick(), pid: pid, container: container))
    }

    package func stop() {
        engine.process(.stop(timestamp: tick()))
    }
}
