import Foundation
import SpanlogCore

/// Which rule files a session loads, in order.
public struct RuleSelection: Sendable, Equatable {
    /// Files and directories (a directory's `.yaml`/`.yml` files in name order); `builtin`
    /// names the default rules built into spanlog. Empty: the defaults.
    public var paths: [String] = []
    /// With no paths: load the built-in defaults, then /etc/spanlog/rules.d/.
    public var useDefaults = true

    /// How the user turns the defaults off where they chose them: `--no-default-rules` on the
    /// command line, `default_rules: false` in the service's configuration.
    public var noDefaultsSwitch = "--no-default-rules"

    public static let systemDirectory = "/etc/spanlog/rules.d"
    public static let builtinName = "builtin"

    public init(paths: [String] = [], useDefaults: Bool = true) {
        self.paths = paths
        self.useDefaults = useDefaults
    }

    /// Reads the selected files. A path that cannot be read is an error at that path.
    public func sources() throws(RuleLoadError) -> [RuleSource] {
        var sources: [RuleSource] = []
        var problems: [RuleDiagnostic] = []
        var paths = self.paths
        if paths.isEmpty && useDefaults {
            paths = [Self.builtinName]
            if FileManager.default.fileExists(atPath: Self.systemDirectory) { paths.append(Self.systemDirectory) }
        }
        for path in paths {
            if path == Self.builtinName {
                sources.append(RuleSource(name: DefaultRules.name, text: DefaultRules.text))
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                problems.append(RuleDiagnostic(.error, at: SourceLocation(file: path, line: 1, column: 1),
                                               "no such rule file or directory"))
                continue
            }
            let files: [String]
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                    .map { (path as NSString).appendingPathComponent($0) }
            } else {
                files = [path]
            }
            for file in files {
                if let refusal = CallerAccess.refusalToRead(file) {
                    problems.append(RuleDiagnostic(.error, at: SourceLocation(file: file, line: 1, column: 1), refusal))
                    continue
                }
                do {
                    sources.append(RuleSource(name: file, text: try String(contentsOfFile: file, encoding: .utf8)))
                } catch {
                    problems.append(RuleDiagnostic(.error, at: SourceLocation(file: file, line: 1, column: 1),
                                                   "cannot read: \(error.localizedDescription)"))
                }
            }
        }
        if !problems.isEmpty { throw RuleLoadError(diagnostics: problems) }
        return sources
    }

    /// What to do about rules that failed to load, for this selection: the files were named,
    /// or they are the defaults (the built-in ones never fail, so the problem is in rules.d).
    public var fixAdvice: String {
        if paths.isEmpty {
            return "fix the files in \(Self.systemDirectory) (spanlog rules check shows every problem), or turn the default rules off with \(noDefaultsSwitch)"
        }
        let named = paths.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        return "fix them (spanlog rules check \(named) shows every problem)"
    }

    /// Reads and compiles the selected files.
    public func load() throws(RuleLoadError) -> RuleSet {
        try RuleSet.load(try sources())
    }
}
