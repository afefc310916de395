import ArgumentParser
import SpanlogRuntime

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Read a capture file written by 'spanlog record' and show its records.",
        discussion: "A replay gives exactly the records the live run gave."
    )

    @Argument(help: "The capture file ('-' for standard input).")
    var file: String

    @OptionGroup var output: OutputOptions
    @OptionGroup var rules: RuleOptions

    func run() throws {
        var configuration = SessionConfiguration(source: .capture(path: file))
        output.apply(to: &configuration)
        rules.apply(to: &configuration)
        _ = try SessionLauncher.run(configuration, command: "replay")
    }
}
