#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import SpanlogCore

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Read a capture file written by 'spanlog record' and show its records.",
        discussion: "A replay gives exactly the records the live run gave."
    )

    @Argument(help: "The capture file ('-' for standard input).")
    var file: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        let fd: Int32 = file == "-" ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            printError("spanlog replay: cannot open \(file): \(String(cString: strerror(errno)))")
            throw ExitCode(2)
        }
        defer { if fd != STDIN_FILENO { close(fd) } }

        var decoder = CaptureDecoder()
        var engine: Engine?
        var lastTimestamp: UInt64 = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var failure: CaptureError?
        reading: while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                printError("spanlog replay: reading \(file) failed: \(String(cString: strerror(errno)))")
                throw ExitCode(2)
            }
            if count == 0 { break }
            decoder.append(chunk[..<count])
            do {
                while let event = try decoder.next() {
                    if engine == nil, let header = decoder.header {
                        engine = makeEngine(header)
                        lastTimestamp = header.startMonotonic
                    }
                    lastTimestamp = max(lastTimestamp, event.timestamp)
                    engine?.process(event)
                }
            } catch {
                failure = error
                break reading
            }
        }
        if failure == nil {
            do { try decoder.finish() } catch { failure = error }
        }
        if engine == nil, let header = decoder.header {
            engine = makeEngine(header)
            lastTimestamp = header.startMonotonic
        }
        // What was read before any damage still produces its records.
        engine?.stop(at: lastTimestamp)
        if let failure {
            printError("spanlog replay: \(file): \(failure)")
            throw ExitCode(1)
        }
    }

    private func makeEngine(_ header: CaptureHeader) -> Engine {
        let configuration = output.engineConfiguration(monotonicToWallOffset: header.monotonicToWallOffset,
                                                       session: header.session)
        return Engine(configuration: configuration, sink: output.makeRenderer())
    }
}
