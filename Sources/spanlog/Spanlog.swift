import ArgumentParser

@main
struct Spanlog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spanlog",
        abstract: "Ties every log line a program writes to the span (request) it was written in.",
        discussion: """
            Programs mark spans by writing tracer markers such as '>:t:checkout:user=42:' and \
            '<:t:checkout::' to /dev/null. spanlog captures their output and those markers and \
            attaches each line to its enclosing span.
            """,
        subcommands: [RunCommand.self, TailCommand.self, RecordCommand.self, ReplayCommand.self, MarkersCommand.self,
                      RulesCommand.self, DaemonCommand.self]
    )
}
