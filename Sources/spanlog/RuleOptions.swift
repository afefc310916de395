import ArgumentParser
import SpanlogRules
import SpanlogRuntime

/// Which rules run; shared by run, tail and replay.
struct RuleOptions: ParsableArguments {
    @Option(name: .customLong("rules"),
            help: ArgumentHelp("Load rules from this file or directory (repeatable; a directory's .yaml files in name order). 'builtin' names the default rules. Without --rules: the defaults, then /etc/spanlog/rules.d/.",
                               valueName: "path"))
    var paths: [String] = []

    @Flag(help: "Run no rules unless --rules names some.")
    var noDefaultRules = false

    var selection: RuleSelection { RuleSelection(paths: paths, useDefaults: !noDefaultRules) }

    func apply(to configuration: inout SessionConfiguration) {
        configuration.rules = selection
    }
}
