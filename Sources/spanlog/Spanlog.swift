import ArgumentParser
import Foundation
import SpanlogCore

@main
struct Spanlog: ParsableCommand {
    static let version = "0.5.0"

    static let configuration = CommandConfiguration(
        commandName: "spanlog",
        abstract: "Ties every log line a program writes to the span (request) it was written in.",
        discussion: """
            Programs mark spans by writing tracer markers such as '>:t:checkout:user=42:' and \
            '<:t:checkout::' to /dev/null. spanlog captures their output and those markers and \
            attaches each line to its enclosing span.

            Exit status: 0 success; 1 a problem in the input (a damaged capture file, invalid \
            markers for 'markers lint', rule errors for 'rules check', a bad configuration for \
            'daemon --check'); 2 spanlog could not do \
            its job (privileges, kernel, a command that cannot run, a file that cannot be read \
            or written, rule files with errors, every output failing); 64 wrong usage; 'run' and 'record' with a \
            command exit with the command's status (128+N when a signal N ended it).

            Shell completions: spanlog --generate-completion-script bash|zsh|fish. Manual pages: \
            spanlog(1), spanlog-rules(5).
            """,
        version: "spanlog \(version) (commit \(BuildInfo.commit)\(BuildInfo.treeModified == true ? ", with uncommitted changes" : ""))",
        subcommands: [RunCommand.self, TailCommand.self, TopCommand.self, RecordCommand.self, ReplayCommand.self, SummaryCommand.self, MarkersCommand.self,
                      RulesCommand.self, DaemonCommand.self]
    )

    /// Names the unknown command itself (`spanlog tial --pid 1`), with the one it most likely
    /// meant, before the parser would complain about the first option it cannot place.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, let message = unknownCommandMessage(first) {
            printError(message)
            Foundation.exit(64)
        }
        Self.main(arguments)
    }

    static func unknownCommandMessage(_ word: String) -> String? {
        guard !word.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        guard !names.contains(word) else { return nil }
        var message = "spanlog: unknown command '\(word)'"
        if let close = EditDistance.closest(to: word, among: names) { message += "; did you mean '\(close)'?" }
        return message + " (commands: \(names.dropLast().joined(separator: ", ")); spanlog --help says more)"
    }
}
