import ArgumentParser
import SpanlogCore

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// How records are shown; shared by every command that produces records.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: 'text' for people, 'json' for one JSON object per line.")
    var format: OutputFormat = .text

    @Flag(help: "Text format: print each span as a block when it ends, its lines and child spans nested under it.")
    var group = false

    @Option(help: "Colour the text view: auto (when writing to a terminal), always or never.")
    var color: ColorChoice = .auto

    @Flag(help: "Report each malformed marker as a warning record (they are always counted).")
    var showMarkerErrors = false

    @Option(help: "Close spans open longer than this (for example 30s or 500ms) with status 'timeout'.")
    var spanTimeout: String?

    @Option(help: "At most this many spans are kept open; beyond it the oldest are closed as 'evicted'.")
    var maxOpenSpans = 1_000_000

    @Option(help: "Lines longer than this many bytes are cut and marked truncated.")
    var maxLineBytes = 16 * 1024

    func validate() throws {
        if let spanTimeout, DurationParser.nanoseconds(spanTimeout) == nil {
            throw ValidationError("--span-timeout '\(spanTimeout)' is not a duration; write it like 500ms, 30s or 2m.")
        }
        if group && format == .json {
            throw ValidationError("--group applies to the text view; drop it, or use --format text.")
        }
        if maxOpenSpans < 1 { throw ValidationError("--max-open-spans must be at least 1.") }
        if maxLineBytes < 1 { throw ValidationError("--max-line-bytes must be at least 1.") }
    }

    func engineConfiguration(monotonicToWallOffset: Int64, session: UInt32) -> EngineConfiguration {
        var configuration = EngineConfiguration(monotonicToWallOffset: monotonicToWallOffset, session: session)
        configuration.maxLineBytes = maxLineBytes
        configuration.maxOpenSpans = maxOpenSpans
        configuration.spanTimeout = spanTimeout.flatMap(DurationParser.nanoseconds)
        configuration.reportMarkerErrors = showMarkerErrors
        return configuration
    }

    /// The renderer for this choice of format, writing to standard output.
    func makeRenderer() -> RecordSink {
        let output = FileDescriptorOutput.standardOutput
        switch format {
        case .json:
            return JSONRenderer(output: output)
        case .text:
            let useColor = color == .always || (color == .auto && output.isTerminal)
            return TextRenderer(output: output, mode: group ? .grouped : .live, color: useColor)
        }
    }
}
