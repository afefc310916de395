#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore
import SpanlogJournal

/// Opens the outputs a session was asked for and builds their renderers.
public enum OutputFactory {
    public static func channels(for specs: [OutputSpec], style: TextViewStyle, journal: JournalOutput.Options,
                         environment: [String: String]) throws(OutputError) -> [OutputChannel] {
        let toStandardOutput = specs.filter(\.isStandardOutput)
        if toStandardOutput.count > 1 {
            throw OutputError(.usage, what: "outputs \(toStandardOutput.map(\.description).joined(separator: " and ")) both write to standard output",
                               why: "their records would interleave",
                               fix: "give all but one a file path, for example --output json:records.jsonl")
        }
        var channels: [OutputChannel] = []
        for spec in specs {
            let health = OutputHealth()
            let path: String?
            switch spec {
            case .journald:
                channels.append(OutputChannel(name: spec.description, sink: JournalOutput(options: journal, health: health),
                                              health: health))
                continue
            case .statsd(let address):
                do {
                    let sink = try StatsdOutput(address: address, health: health)
                    channels.append(OutputChannel(name: spec.description, sink: sink, health: health, wantsLines: false))
                } catch {
                    throw OutputError(.usage, what: "cannot use output \(spec)", why: error.description)
                }
                continue
            case .otlp(let endpoint):
                channels.append(OutputChannel(name: spec.description, sink: OTLPOutput(endpoint: endpoint, health: health),
                                              health: health))
                continue
            case .text(let textPath), .json(let textPath):
                path = textPath
            }
            let output: FileDescriptorOutput
            if let path, let refusal = CallerAccess.refusalToWrite(path) {
                throw OutputError(.io, what: "cannot open output \(spec)", why: refusal)
            }
            if let path {
                let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard fd >= 0 else {
                    throw OutputError(.io, what: "cannot open output \(spec)", why: String(cString: strerror(errno)),
                                       fix: "check that the directory exists and is writable")
                }
                output = FileDescriptorOutput(fd: fd, health: health, ownsDescriptor: true)
            } else {
                output = FileDescriptorOutput(fd: STDOUT_FILENO, health: health)
            }
            let sink: RecordSink
            if case .json = spec {
                sink = JSONRenderer(output: output)
            } else {
                let color = style.usesColor(isTerminal: output.isTerminal, environment: environment)
                // The terminal view reports malformed markers on stderr, beside the program's lines.
                let markerErrors = path == nil ? FileDescriptorOutput(fd: STDERR_FILENO) : nil
                // On a terminal, a line that waits for its end (a prompt) shows after a pause.
                sink = TextRenderer(output: output, mode: style.grouped ? .grouped : .live, color: color,
                                    markerErrors: markerErrors, showsPartialLines: path == nil && output.isTerminal)
            }
            channels.append(OutputChannel(name: spec.description, sink: sink, health: health,
                                          isStandardOutput: path == nil))
        }
        return channels
    }
}
