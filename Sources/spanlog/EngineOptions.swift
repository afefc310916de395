import ArgumentParser
import SpanlogCore
import SpanlogRuntime

/// How the engine bounds spans and lines; shared by every command that runs the engine.
struct EngineOptions: ParsableArguments {
    @Option(help: "Close spans open longer than this (for example 30s or 500ms), when that time has passed; they end as 'timeout' and fail.")
    var spanTimeout: String?

    @Option(help: "At most this many spans are kept open; beyond it the oldest are closed, ending as 'evicted'.")
    var maxOpenSpans = EngineConfiguration.defaultMaxOpenSpans

    @Option(help: "Lines longer than this many bytes are cut and marked truncated.")
    var maxLineBytes = EngineConfiguration.defaultMaxLineBytes

    func validate() throws {
        if let spanTimeout, DurationParser.nanoseconds(spanTimeout) == nil {
            throw ValidationError("--span-timeout '\(spanTimeout)' is not a duration; write it like 500ms, 30s or 2m.")
        }
        if maxOpenSpans < 1 { throw ValidationError("--max-open-spans must be at least 1.") }
        if maxLineBytes < 1 { throw ValidationError("--max-line-bytes must be at least 1.") }
    }

    func apply(to configuration: inout SessionConfiguration) {
        configuration.engine.maxLineBytes = maxLineBytes
        configuration.engine.maxOpenSpans = maxOpenSpans
        // Checked by validate().
        configuration.engine.spanTimeout = spanTimeout.flatMap(DurationParser.nanoseconds)
    }
}

/// How spanlog starts and stops a command of its own; shared by run, record and top.
struct CommandOptions: ParsableArguments {
    @Flag(help: "Give the command pipes instead of two pseudo-terminals for stdout and stderr.")
    var noPty = false

    @Option(help: "After Ctrl-C or SIGTERM, which go to the command's process group, kill it (SIGKILL) if it still runs after this many seconds.")
    var killAfter: Double = 5

    func source(_ command: [String]) -> SessionConfiguration.Source {
        .command(command, usePty: !noPty)
    }
}
