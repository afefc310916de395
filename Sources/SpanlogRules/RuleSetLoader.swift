import SpanlogCore
import Yams

/// Reads rule files into definitions, then compiles them. Collects every problem with its
/// file position instead of stopping at the first.
struct RuleSetLoader {
    private struct RuleEntry {
        var name: String
        var fields: [String: Node]
        var location: SourceLocation
        var source: Int
        var sourceLines: [Substring]
    }

    private struct ListEntry {
        var items: [String]
        var location: SourceLocation
    }

    private(set) var diagnostics: [RuleDiagnostic] = []
    private var rules: [RuleEntry] = []
    private var macros: [String: MacroDefinition] = [:]
    private var macroLocations: [String: (location: SourceLocation, source: Int)] = [:]
    private var lists: [String: ListEntry] = [:]
    private var listSources: [String: Int] = [:]
    private var sourceCount = 0

    private static let ruleKeys: Set<String> = ["rule", "desc", "condition", "output", "priority", "when", "throttle",
                                                "enabled", "override", "tags"]

    mutating func read(_ source: RuleSource) {
        let index = sourceCount
        sourceCount += 1
        let lines = source.text.split(separator: "\n", omittingEmptySubsequences: false)
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: source.text) else { return }  // an empty file
            root = composed
        } catch let error as YamlError {
            diagnostics.append(Self.diagnostic(for: error, file: source.name))
            return
        } catch {
            diagnostics.append(RuleDiagnostic(.error, at: SourceLocation(file: source.name, line: 1, column: 1), "\(error)"))
            return
        }
        guard case .sequence(let entries) = root else {
            report(.error, root, source.name, "a rule file is a YAML list of '- rule:', '- macro:' and '- list:' entries")
            return
        }
        for entry in entries {
            guard case .mapping(let mapping) = entry else {
                report(.error, entry, source.name, "each entry is a mapping that starts with 'rule:', 'macro:' or 'list:'")
                continue
            }
            var fields: [String: Node] = [:]
            var keyNodes: [String: Node] = [:]
            for (key, value) in mapping {
                guard let name = key.string else {
                    report(.error, key, source.name, "keys are plain words such as 'rule' or 'condition'")
                    continue
                }
                fields[name] = value
                keyNodes[name] = key
            }
            let kinds = ["rule", "macro", "list"].filter { fields[$0] != nil }
            guard kinds.count == 1, let kind = kinds.first else {
                report(.error, entry, source.name, kinds.isEmpty
                       ? "entry has none of 'rule:', 'macro:' or 'list:'"
                       : "entry has more than one of \(kinds.map { "'\($0):'" }.joined(separator: ", "))")
                continue
            }
            guard let name = fields[kind]?.string, !name.isEmpty else {
                report(.error, fields[kind] ?? entry, source.name, "'\(kind):' needs a name")
                continue
            }
            let location = self.location(keyNodes[kind] ?? entry, source.name)
            switch kind {
            case "rule":
                for key in fields.keys where !Self.ruleKeys.contains(key) {
                    report(.error, keyNodes[key] ?? entry, source.name,
                           "unknown key '\(key)' in rule '\(name)'; a rule takes \(Self.ruleKeys.sorted().joined(separator: ", "))")
                }
                addRule(RuleEntry(name: name, fields: fields, location: location, source: index, sourceLines: lines),
                        keyNodes: keyNodes)
            case "macro":
                guard let condition = fields["condition"], let text = condition.string else {
                    report(.error, entry, source.name, "macro '\(name)' needs a 'condition:'")
                    continue
                }
                if let previous = macroLocations[name], previous.source == index {
                    report(.error, keyNodes[kind] ?? entry, source.name, "macro '\(name)' is defined twice in this file (first at \(previous.location))")
                    continue
                }
                let origin = self.origin(condition, source.name, lines)
                var syntax: ConditionSyntax?
                do {
                    syntax = try ConditionParser.parse(text)
                } catch {
                    diagnostics.append(RuleDiagnostic(.error, at: origin.location(at: error.offset), error.message))
                }
                macros[name] = MacroDefinition(name: name, origin: origin, syntax: syntax)
                macroLocations[name] = (location, index)
            default:
                guard case .sequence(let itemNodes)? = fields["items"] else {
                    report(.error, entry, source.name, "list '\(name)' needs 'items:' with a YAML list")
                    continue
                }
                if let previous = listSources[name], previous == index {
                    report(.error, keyNodes[kind] ?? entry, source.name, "list '\(name)' is defined twice in this file")
                    continue
                }
                lists[name] = ListEntry(items: itemNodes.compactMap(\.string), location: location)
                listSources[name] = index
            }
        }
    }

    private mutating func addRule(_ entry: RuleEntry, keyNodes: [String: Node]) {
        let isOverride = entry.fields["override"]?.bool == true
        let onlyToggles = entry.fields.keys.allSatisfy { ["rule", "enabled", "override"].contains($0) }
        if let existing = rules.firstIndex(where: { $0.name == entry.name }) {
            if onlyToggles {
                // `- rule: name` + `enabled: false`: switch a rule on or off, keep its definition.
                if let enabled = entry.fields["enabled"] { rules[existing].fields["enabled"] = enabled }
                return
            }
            guard isOverride else {
                diagnostics.append(RuleDiagnostic(.error, at: entry.location,
                    "duplicate rule '\(entry.name)' (first defined at \(rules[existing].location)); add 'override: true' to replace it, or 'enabled: false' to turn it off"))
                return
            }
            rules[existing] = entry
            return
        }
        if onlyToggles || isOverride {
            diagnostics.append(RuleDiagnostic(.warning, at: entry.location, "no earlier rule '\(entry.name)' to \(onlyToggles ? "enable or disable" : "override")"))
            if onlyToggles { return }
        }
        rules.append(entry)
    }

    mutating func compile() -> [Rule] {
        let resolvedLists = resolveLists()
        var compiled: [Rule] = []
        var usedMacros: Set<String> = [], usedLists: Set<String> = []
        for entry in rules {
            let file = entry.location.file
            func node(_ key: String) -> Node? { entry.fields[key] }
            if let enabled = node("enabled"), enabled.bool == nil {
                report(.error, enabled, file, "'enabled' is true or false")
                continue
            }
            if node("enabled")?.bool == false { continue }
            // Every mistake of a rule is reported, not only its first: `broken` keeps it out of
            // the set while the rest of its entry is still checked.
            var broken = false
            let conditionNode = node("condition"), conditionText = conditionNode?.string
            if conditionText == nil {
                diagnostics.append(RuleDiagnostic(.error, at: entry.location, "rule '\(entry.name)' needs a 'condition:'"))
                broken = true
            }
            let outputNode = node("output"), outputText = outputNode?.string
            if outputText == nil {
                diagnostics.append(RuleDiagnostic(.error, at: entry.location, "rule '\(entry.name)' needs an 'output:' (the alert's message, with %fields)"))
                broken = true
            }
            var priority = AlertPriority.warning
            if let priorityNode = node("priority") {
                if let name = priorityNode.string, let parsed = AlertPriority(name: name) {
                    priority = parsed
                } else {
                    report(.error, priorityNode, file, "unknown priority '\(priorityNode.string ?? "")'; use emergency, alert, critical, error, warning, notice, informational or debug")
                    broken = true
                }
            }
            var trigger = AlertTrigger.spanEnd
            var openLongerThan: Int64 = 0
            if let when = node("when") {
                switch when {
                case .scalar(let scalar) where scalar.string == "span_end": trigger = .spanEnd
                case .scalar(let scalar) where scalar.string == "line": trigger = .line
                case .mapping(let mapping) where mapping.count == 1 && mapping.keys.first?.string == "span_open_longer_than":
                    let value = mapping.values.first!
                    trigger = .inFlight
                    if let text = value.string, let nanoseconds = DurationParser.nanoseconds(text), nanoseconds > 0 {
                        openLongerThan = Int64(nanoseconds)
                    } else {
                        report(.error, value, file, "span_open_longer_than takes a duration such as 500ms, 2s or 1m, not '\(value.string ?? "")'")
                        broken = true
                    }
                default:
                    report(.error, when, file, "'when' is span_end, line, or {span_open_longer_than: DURATION}")
                    broken = true
                }
            }
            var throttle: ThrottleSpec?
            if let throttleNode = node("throttle") {
                var rateNode: Node? = throttleNode
                var keyNode: Node?
                if case .mapping(let mapping) = throttleNode {
                    rateNode = mapping["rate"]
                    keyNode = mapping["key"]
                    for key in mapping.keys where !["rate", "key"].contains(key.string ?? "") {
                        report(.error, key, file, "unknown key '\(key.string ?? "")' in throttle; it takes rate and key")
                        broken = true
                    }
                }
                var spec: ThrottleSpec?
                if let rateText = rateNode?.string, let rate = ThrottleSpec.parse(rateText) {
                    spec = ThrottleSpec(limit: rate.limit, window: rate.window, key: nil)
                } else {
                    report(.error, rateNode ?? throttleNode, file, "bad throttle '\(rateNode?.string ?? "")'; write N/WINDOW, for example 1/10s or 100/1m")
                    broken = true
                }
                if let keyNode {
                    if let keyName = keyNode.string, let field = FieldCatalog.resolve(keyName), !field.needsLine || trigger == .line {
                        spec?.key = field
                    } else {
                        report(.error, keyNode, file, "throttle key '\(keyNode.string ?? "")' is not a field this rule sees ('spanlog rules fields' lists them)")
                        broken = true
                    }
                }
                throttle = spec
            }

            var condition: Predicate?
            if let conditionNode, let conditionText {
                var compiler = ConditionCompiler(macros: macros, lists: resolvedLists, trigger: trigger)
                condition = compiler.compile(conditionText, origin: origin(conditionNode, file, entry.sourceLines))
                diagnostics += compiler.diagnostics
                usedMacros.formUnion(compiler.usedMacros)
                usedLists.formUnion(compiler.usedLists)
            }
            var output: OutputTemplate?
            if let outputNode, let outputText {
                output = OutputTemplate.compile(outputText, origin: origin(outputNode, file, entry.sourceLines),
                                                trigger: trigger, diagnostics: &diagnostics)
            }
            guard !broken, let condition, let output else { continue }
            compiled.append(Rule(name: entry.name, description: node("desc")?.string ?? "", priority: priority,
                                 trigger: trigger, openLongerThan: openLongerThan, location: entry.location,
                                 condition: condition, output: output, throttle: throttle))
        }
        // Lists used only by other lists count as used.
        for (name, list) in lists where usedLists.contains(name) {
            usedLists.formUnion(list.items.filter { lists[$0] != nil })
        }
        for (name, location) in macroLocations where !usedMacros.contains(name) && !macroUsedByMacro(name) {
            diagnostics.append(RuleDiagnostic(.warning, at: location.location, "macro '\(name)' is never used"))
        }
        for (name, list) in lists where !usedLists.contains(name) {
            diagnostics.append(RuleDiagnostic(.warning, at: list.location, "list '\(name)' is never used"))
        }
        diagnostics.sort { ($0.location.file, $0.location.line, $0.location.column) < ($1.location.file, $1.location.line, $1.location.column) }
        return compiled
    }

    /// A macro referenced only from a disabled rule's macros still counts as used by a macro.
    private func macroUsedByMacro(_ name: String) -> Bool {
        func references(_ syntax: ConditionSyntax) -> Bool {
            switch syntax {
            case .and(let a, let b), .or(let a, let b): references(a) || references(b)
            case .not(let inner): references(inner)
            case .macro(let macro, _): macro == name
            case .comparison: false
            }
        }
        return macros.values.contains { $0.name != name && $0.syntax.map(references) == true }
    }

    /// Lists with nested list names expanded; a cycle is an error.
    private mutating func resolveLists() -> [String: [String]] {
        var resolved: [String: [String]] = [:]
        func expand(_ name: String, _ stack: [String]) -> [String] {
            if let done = resolved[name] { return done }
            guard let list = lists[name] else { return [] }
            var items: [String] = []
            for item in list.items {
                if lists[item] != nil {
                    if stack.contains(item) {
                        diagnostics.append(RuleDiagnostic(.error, at: list.location, "list cycle: \((stack + [item]).joined(separator: " -> "))"))
                        continue
                    }
                    items += expand(item, stack + [item])
                } else {
                    items.append(item)
                }
            }
            resolved[name] = items
            return items
        }
        for name in lists.keys { _ = expand(name, [name]) }
        return resolved
    }

    // MARK: Positions

    private func location(_ node: Node, _ file: String) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private mutating func report(_ severity: RuleDiagnostic.Severity, _ node: Node, _ file: String, _ message: String) {
        diagnostics.append(RuleDiagnostic(severity, at: location(node, file), message))
    }

    private func origin(_ node: Node, _ file: String, _ lines: [Substring]) -> ConditionOrigin {
        let mark = node.mark
        var quoted = false
        if case .scalar(let scalar) = node { quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted }
        return ConditionOrigin(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, text: node.string ?? "",
                               sourceLines: lines, quoted: quoted)
    }

    private static func diagnostic(for error: YamlError, file: String) -> RuleDiagnostic {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return RuleDiagnostic(.error, at: SourceLocation(file: file, line: mark.line, column: mark.column), "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return RuleDiagnostic(.error, at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                                  "key \(duplicates.joined(separator: ", ")) appears twice in one entry")
        default:
            return RuleDiagnostic(.error, at: SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(error)")
        }
    }
}
