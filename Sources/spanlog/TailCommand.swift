#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CSpanlogSupport
import SpanlogCollector

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow running processes and show their logs tied to their spans, until interrupted.",
        discussion: "Descriptors opened before spanlog started (log files, /dev/null) are captured too."
    )

    @OptionGroup var targets: TargetOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var capture: CaptureOptions

    func validate() throws {
        try targets.validate(allowingCommand: false)
    }

    func run() throws {
        var options = capture.collectorOptions()
        try targets.apply(to: &options)
        try follow(targets, collectorOptions: options, output: output, captureTo: nil)
    }
}

/// Captures the running targets until SIGINT/SIGTERM, then drains and reports.
func follow(_ targets: TargetOptions, collectorOptions: CollectorOptions, output: OutputOptions?,
            captureTo: String?) throws {
    let session = try LiveSession(collectorOptions: collectorOptions, output: output, captureTo: captureTo)
    sl_install_signal_handlers(0)
    targets.traceRunning(session.collector)
    // Tells the user (and scripts waiting for it) that capture has started.
    printError("spanlog: capturing \(targets.summary); Ctrl-C stops")
    session.run { sl_pending_signal() != 0 }
    session.finish()
}

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Write the raw events of running processes, or of a command, to a capture file.",
        discussion: "'spanlog replay FILE' shows exactly what a live run would have shown."
    )

    @Option(name: [.customShort("w"), .customLong("write")], help: "The capture file to write.")
    var file: String

    @OptionGroup var targets: TargetOptions
    @OptionGroup var capture: CaptureOptions

    @Flag(help: "With a command: give it pipes instead of a pseudo-terminal.")
    var noPty = false

    @Argument(parsing: .postTerminator, help: "A command to run and record, after '--'.")
    var command: [String] = []

    func validate() throws {
        try targets.validate(allowingCommand: !command.isEmpty)
    }

    func run() throws {
        var options = capture.collectorOptions()
        try targets.apply(to: &options)
        if !command.isEmpty {
            let status = try ChildRunner(command: command, usePty: !noPty).run(
                collectorOptions: options, output: nil, captureTo: file)
            throw ExitCode(status)
        }
        try follow(targets, collectorOptions: options, output: nil, captureTo: file)
    }
}

func cgroupID(_ path: String) -> UInt64? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
    return UInt64(info.st_ino)
}
