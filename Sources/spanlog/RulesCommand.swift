#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import SpanlogCore
import SpanlogRules

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check rule files and list the fields rules can use.",
        subcommands: [CheckCommand.self, FieldsCommand.self]
    )

    struct CheckCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Load rule files as spanlog would and report every problem as FILE:LINE:COL.",
            discussion: """
                Without paths, checks the rules spanlog runs by default: the built-in ones, then \
                /etc/spanlog/rules.d/. Exits with status 1 when any file has an error; warnings \
                (an unused macro, a rule that can never fire) do not change the status.
                """
        )

        @Argument(help: "Rule files or directories, in load order ('builtin' for the defaults).")
        var paths: [String] = []

        @Option(help: "Output format: 'text', or 'json' for one JSON object per problem.")
        var format: OutputFormat = .text

        func run() throws {
            var diagnostics: [RuleDiagnostic]
            var ruleCount = 0
            do {
                let ruleSet = try RuleSelection(paths: paths).load()
                diagnostics = ruleSet.warnings
                ruleCount = ruleSet.rules.count
            } catch {
                diagnostics = error.diagnostics
            }
            let errors = diagnostics.filter { $0.severity == .error }.count
            var text = ""
            for diagnostic in diagnostics {
                switch format {
                case .text:
                    text += "\(diagnostic)\n"
                case .json:
                    let object: [String: Any] = [
                        "file": diagnostic.location.file, "line": diagnostic.location.line,
                        "column": diagnostic.location.column, "severity": diagnostic.severity.rawValue,
                        "message": diagnostic.message,
                    ]
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                    text += String(decoding: data, as: UTF8.self) + "\n"
                }
            }
            if format == .text {
                let warnings = diagnostics.count - errors
                text += errors > 0
                    ? "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n"
                    : "\(Wording.count(ruleCount, "rule")) loaded, \(Wording.count(warnings, "warning"))\n"
            }
            FileHandle.standardOutput.write(Data(text.utf8))
            if errors > 0 { throw ExitCode(1) }
        }
    }

    struct FieldsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fields",
            abstract: "List every field conditions and outputs can use, with its type and meaning."
        )

        func run() {
            let width = FieldCatalog.entries.map(\.name.count).max() ?? 0
            let typeWidth = FieldCatalog.entries.map(\.type.count).max() ?? 0
            var text = ""
            for entry in FieldCatalog.entries {
                text += entry.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                    + entry.type.padding(toLength: typeWidth + 2, withPad: " ", startingAt: 0)
                    + entry.description + "\n"
            }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
