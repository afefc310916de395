#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CSpanlogSupport
import SpanlogCollector
import SpanlogCore

/// Wires a collector to the engine (and, for record, a capture file) and runs the poll loop.
final class LiveSession {
    let collector: Collector
    private let engine: Engine?
    private let capture: CaptureFileWriter?

    /// `output` nil: record only. `captureTo`: write raw events to this capture file.
    init(collectorOptions: CollectorOptions, output: OutputOptions?, captureTo path: String?) throws {
        let session = UInt32.random(in: 1...UInt32.max)
        // The engine needs the collector's clock offset, and the collector needs somewhere to
        // send events; no event is emitted before the first trace or poll call, after init.
        var engineBox: Engine?
        var writer: CaptureFileWriter?
        do {
            collector = try Collector(options: collectorOptions) { event in
                engineBox?.process(event)
                writer?.write(event)
            }
        } catch {
            printError("spanlog: \(error)")
            throw ExitCode(2)
        }
        let header = CaptureHeader(monotonicToWallOffset: collector.monotonicToWallOffset, session: session,
                                   startMonotonic: Collector.monotonicNow(), host: Self.hostName())
        if let path {
            do {
                writer = try CaptureFileWriter(path: path, header: header)
            } catch {
                printError("spanlog record: cannot create \(path): \(error)")
                throw ExitCode(2)
            }
        }
        if let output {
            engineBox = Engine(configuration: output.engineConfiguration(
                monotonicToWallOffset: collector.monotonicToWallOffset, session: session), sink: output.makeRenderer())
        }
        engine = engineBox
        capture = writer
    }

    /// Polls until `shouldStop` says so, flushing output whenever the ring buffer is idle.
    func run(until shouldStop: () -> Bool) {
        while !shouldStop() {
            collector.poll(timeoutMilliseconds: 50)
            engine?.flush()
            capture?.flush()
        }
    }

    /// Drains the kernel, reports open spans and stats, and closes the capture.
    func finish() {
        collector.stop()
        capture?.close()
        let stats = collector.stats
        if stats.unresolvedFileWrites > 0 || stats.malformedSamples > 0 {
            printError("spanlog: \(stats.unresolvedFileWrites) writes to files whose path the kernel could not report (record lost, or deeper than 32 components) were not kept; \(stats.malformedSamples) malformed samples")
        }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Appends raw events to a capture file in the documented format.
final class CaptureFileWriter {
    private let output: FileDescriptorOutput
    private var buffer: [UInt8] = []

    init(path: String, header: CaptureHeader) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CaptureWriteError(reason: String(cString: strerror(errno))) }
        output = FileDescriptorOutput(fd: fd)
        buffer = CaptureEncoder.encode(header)
        flush()
    }

    struct CaptureWriteError: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    func write(_ event: RawEvent) {
        CaptureEncoder.encode(event, into: &buffer)
        if buffer.count >= 1 << 20 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { output.write($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() {
        flush()
        Glibc.close(output.fd)
    }
}
