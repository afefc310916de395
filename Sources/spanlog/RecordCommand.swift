import ArgumentParser
import SpanlogCore
import SpanlogRuntime

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

    @OptionGroup var commandOptions: CommandOptions

    @Argument(parsing: .postTerminator, help: "A command to run and record, after '--'.")
    var command: [String] = []

    func validate() throws {
        try targets.validate(allowingCommand: !command.isEmpty)
    }

    func run() throws {
        var configuration = SessionConfiguration(
            source: command.isEmpty ? .targets(targets.selection) : commandOptions.source(command))
        capture.apply(to: &configuration)
        configuration.killAfter = commandOptions.killAfter
        configuration.outputs = []
        configuration.captureTo = file
        let outcome = try SessionLauncher.run(configuration, command: "record")
        if let capture = outcome.capture {
            let lost = capture.lostEvents == 0 ? "nothing lost"
                : "\(Wording.count(capture.lostEvents, "event")) lost (the kernel ring buffer was full; raise --ring-buffer-size)"
            printError("spanlog record: \(Wording.count(capture.events, "event")) (\(ByteCount.text(capture.bytes))) written to \(capture.path); \(lost). Show them with: spanlog replay \(capture.path)")
        }
        if let status = outcome.commandStatus { throw ExitCode(status) }
    }
}
