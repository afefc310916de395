import ArgumentParser
import Foundation
import SpanlogCore
import SpanlogOutputs
import SpanlogRuntime
import SpanlogTop

struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Browse spans live, full screen: span types, their spans, one span's waterfall and lines, a latency spectrogram, alerts.",
        discussion: """
            spanlog top -- COMMAND runs a command as 'run' does; spanlog top --pid PID (or \
            --comm, --cgroup, --container, --all) follows running processes as 'tail' does; \
            spanlog top FILE reads a capture file and steps through it ([ and ]). Press ? for \
            the keys. The traced command's output is captured, never drawn over the screen. \
            With --batch, or where the terminal cannot be drawn on, the span types table is \
            printed instead.
            """
    )

    @Argument(help: "A capture file written by 'spanlog record' or 'run -w' (instead of a command or targets).")
    var file: String?

    @OptionGroup var targets: TargetOptions
    @OptionGroup var rules: RuleOptions
    @OptionGroup var capture: CaptureOptions

    @Option(help: ArgumentHelp("Count and show only the spans this condition selects ('/' changes it on the screen).",
                               valueName: "condition"))
    var filter: String?

    @Option(help: "How often the figures are read again (for example 1s or 500ms).")
    var interval = "1s"

    @Option(help: "On a capture, the first step of [ and ] (for example 1s or 100ms).")
    var step = "1s"

    @Flag(help: "Print the span types table every --interval and at the end instead of the full screen.")
    var batch = false

    @Option(help: "Colours: auto (unless NO_COLOR is set or TERM=dumb), always or never.")
    var color: TextViewStyle.ColorChoice = .auto

    @OptionGroup var engine: EngineOptions
    @OptionGroup var commandOptions: CommandOptions

    @Option(name: [.customShort("w"), .customLong("write")],
            help: "Also record the raw events to this capture file.")
    var write: String?

    @Argument(parsing: .postTerminator, help: "The command to run, after '--'.")
    var command: [String] = []

    func validate() throws {
        if let file {
            guard command.isEmpty && targets.selection.isEmpty else {
                throw ValidationError("Give a capture file, or a command after '--', or processes to follow (--pid, --comm, …); not several.")
            }
            if write != nil { throw ValidationError("-w records a live session; '\(file)' is a capture already.") }
        } else {
            try targets.validate(allowingCommand: !command.isEmpty)
            if !command.isEmpty && !targets.selection.isEmpty {
                throw ValidationError("Give a command after '--' or processes to follow, not both.")
            }
        }
        if capture.verbose {
            throw ValidationError("--verbose prints the loader's diagnostics over the screen; use it with 'spanlog run'.")
        }
        for (value, option) in [(interval, "--interval"), (step, "--step")] {
            guard let nanoseconds = DurationParser.nanoseconds(value), nanoseconds >= 10_000_000 else {
                throw ValidationError("\(option) '\(value)' is not a duration of at least 10ms; write it like 500ms or 2s.")
            }
        }
        _ = try AnalyticsArguments.filter(filter)
    }

    func run() throws {
        var configuration: SessionConfiguration
        var options = TopOptions()
        if let file {
            configuration = SessionConfiguration(source: .capture(path: file))
            options.source = "capture: \((file as NSString).lastPathComponent)"
        } else if !command.isEmpty {
            configuration = SessionConfiguration(source: commandOptions.source(command))
            options.source = "run: " + command.joined(separator: " ")
            configuration.killAfter = commandOptions.killAfter
        } else {
            configuration = SessionConfiguration(source: .targets(targets.selection))
            options.source = "tail: " + targets.selection.summary
        }
        if file == nil {
            capture.apply(to: &configuration)
            configuration.captureTo = write
        }
        rules.apply(to: &configuration)
        configuration.filter = try? AnalyticsArguments.filter(filter)
        engine.apply(to: &configuration)
        configuration.environment = ProcessInfo.processInfo.environment
        options.refreshInterval = Int64(clamping: DurationParser.nanoseconds(interval) ?? 1_000_000_000)
        options.step = Int64(clamping: DurationParser.nanoseconds(step) ?? 1_000_000_000)
        options.batch = batch
        options.color = color
        let status: Int32?
        do {
            status = try TopApp.run(configuration, options: options)
        } catch {
            throw SessionLauncher.fail(error, command: "top")
        }
        if let status, status != 0 { throw ExitCode(status) }
    }
}
