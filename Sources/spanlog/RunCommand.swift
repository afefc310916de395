import ArgumentParser
import SpanlogRuntime

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command and show its logs tied to their spans.",
        discussion: """
            The command and all its descendants are traced from their first instruction. By \
            default the command writes to a pseudo-terminal, so its stdio stays line-buffered \
            as on a terminal; spanlog shows its own view instead. Ctrl-C is passed to the \
            command; spanlog exits with the command's exit status.
            """
    )

    @OptionGroup var output: OutputOptions
    @OptionGroup var rules: RuleOptions
    @OptionGroup var capture: CaptureOptions

    @Option(name: [.customShort("w"), .customLong("write")],
            help: "Also record the raw events to this capture file (as 'spanlog record' does).")
    var write: String?

    @OptionGroup var commandOptions: CommandOptions

    @Argument(parsing: .postTerminator, help: "The command to run, after '--'.")
    var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("Give the command to run after '--', for example: spanlog run -- ./server") }
    }

    func run() throws {
        var configuration = SessionConfiguration(source: commandOptions.source(command))
        output.apply(to: &configuration)
        rules.apply(to: &configuration)
        capture.apply(to: &configuration)
        configuration.killAfter = commandOptions.killAfter
        configuration.captureTo = write
        let outcome = try SessionLauncher.run(configuration, command: "run")
        throw ExitCode(outcome.commandStatus ?? 0)
    }
}
