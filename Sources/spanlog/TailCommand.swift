import ArgumentParser
import SpanlogRuntime

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow running processes and show their logs tied to their spans, until interrupted.",
        discussion: "Descriptors opened before spanlog started (log files, /dev/null) are captured too."
    )

    @OptionGroup var targets: TargetOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var rules: RuleOptions
    @OptionGroup var capture: CaptureOptions

    func validate() throws {
        try targets.validate(allowingCommand: false)
    }

    func run() throws {
        var configuration = SessionConfiguration(source: .targets(targets.selection))
        output.apply(to: &configuration)
        rules.apply(to: &configuration)
        capture.apply(to: &configuration)
        _ = try SessionLauncher.run(configuration, command: "tail")
    }
}
