#if canImport(Glibc)
import Glibc
#endif
import SpanlogCore

/// A compiled condition: no parsing or type checking left for the time it runs.
typealias Predicate = (RuleSubject) -> Bool

/// A macro as defined in a rule file: parsed once, expanded where it is used.
struct MacroDefinition {
    var name: String
    var origin: ConditionOrigin
    var syntax: ConditionSyntax?
}

/// Resolves fields, expands macros and lists, checks types and builds the predicate. Every
/// problem becomes a diagnostic at its file position; a condition with an error compiles to nil.
struct ConditionCompiler {
    let macros: [String: MacroDefinition]
    let lists: [String: [String]]
    /// What runs the rule: line fields need `.line`, exit args are missing before the end.
    let trigger: AlertTrigger?
    private(set) var diagnostics: [RuleDiagnostic] = []
    private(set) var usedMacros: Set<String> = []
    private(set) var usedLists: Set<String> = []
    /// Fields the condition reads (a filter uses this to know whether it needs the span's end).
    private(set) var fieldsRead: Set<String> = []
    private var failed = false

    init(macros: [String: MacroDefinition], lists: [String: [String]], trigger: AlertTrigger?) {
        self.macros = macros
        self.lists = lists
        self.trigger = trigger
    }

    mutating func compile(_ text: String, origin: ConditionOrigin) -> Predicate? {
        failed = false
        let syntax: ConditionSyntax
        do {
            syntax = try ConditionParser.parse(text)
        } catch {
            diagnostics.append(RuleDiagnostic(.error, at: origin.location(at: error.offset), error.message))
            return nil
        }
        let predicate = compile(syntax, origin: origin, macroStack: [])
        return failed ? nil : predicate
    }

    private mutating func error(_ origin: ConditionOrigin, _ offset: Int, _ message: String) -> Predicate {
        failed = true
        diagnostics.append(RuleDiagnostic(.error, at: origin.location(at: offset), message))
        return { _ in false }
    }

    private mutating func warning(_ origin: ConditionOrigin, _ offset: Int, _ message: String) {
        diagnostics.append(RuleDiagnostic(.warning, at: origin.location(at: offset), message))
    }

    private mutating func compile(_ syntax: ConditionSyntax, origin: ConditionOrigin, macroStack: [String]) -> Predicate {
        switch syntax {
        case .and(let left, let right):
            let lhs = compile(left, origin: origin, macroStack: macroStack)
            let rhs = compile(right, origin: origin, macroStack: macroStack)
            return { lhs($0) && rhs($0) }
        case .or(let left, let right):
            let lhs = compile(left, origin: origin, macroStack: macroStack)
            let rhs = compile(right, origin: origin, macroStack: macroStack)
            return { lhs($0) || rhs($0) }
        case .not(let inner):
            let predicate = compile(inner, origin: origin, macroStack: macroStack)
            return { !predicate($0) }
        case .macro(let name, let offset):
            if let cycleStart = macroStack.firstIndex(of: name) {
                let cycle = (macroStack[cycleStart...] + [name]).joined(separator: " -> ")
                return error(origin, offset, "macro cycle: \(cycle)")
            }
            guard let macro = macros[name] else {
                let hint = FieldCatalog.levelNames[name] != nil || FieldCatalog.keywords.contains(name)
                    ? "; to compare with the word, put it after an operator" : "; define it with '- macro: \(name)'"
                return error(origin, offset, "undefined macro '\(name)'\(hint)")
            }
            usedMacros.insert(name)
            guard let macroSyntax = macro.syntax else {
                failed = true  // its own error was reported where it is defined
                return { _ in false }
            }
            return compile(macroSyntax, origin: macro.origin, macroStack: macroStack + [name])
        case .comparison(let reference, let op, let values, let offset):
            return compileComparison(reference, op, values, offset: offset, origin: origin)
        }
    }

    // MARK: Comparisons

    private mutating func compileComparison(_ reference: FieldReference, _ op: ComparisonOperator,
                                            _ values: [LiteralValue], offset: Int, origin: ConditionOrigin) -> Predicate {
        guard let field = FieldCatalog.resolve(reference.name) else {
            if let advice = FieldCatalog.renamed[reference.name] { return error(origin, reference.offset, advice) }
            return error(origin, reference.offset, "unknown field '\(reference.name)' ('spanlog rules fields' lists them)")
        }
        fieldsRead.insert(reference.name)
        if field.needsLine, let trigger, trigger != .line {
            return error(origin, reference.offset, "\(field.name) is only known in rules with 'when: line'")
        }
        if field.onlyAtSpanEnd, let trigger, trigger != .spanEnd, field.type != .keyword {
            warning(origin, reference.offset, "\(field.name) is only known when the span ends: this comparison is always false while it is open")
        }
        if op == .exists {
            if let number = field.number { return { number($0) != nil } }
            if let text = field.text { return { text($0) { _ in true } != nil } }
            let read = field.read
            return { read($0) != nil }
        }

        // Lists named inside `in (…)` expand to their items.
        var literals: [LiteralValue] = []
        for value in values {
            if case .string(let word, quoted: false) = value.kind, let items = lists[word] {
                usedLists.insert(word)
                literals += items.map { LiteralValue(kind: .string($0, quoted: true), offset: value.offset, text: value.text) }
            } else {
                literals.append(value)
            }
        }

        switch field.type {
        case .string, .keyword:
            return compileText(field, op, literals, origin: origin)
        case .argument:
            if literals.allSatisfy({ if case .number = $0.kind { true } else { false } }), !op.isTextual {
                return compileNumeric(field, op, literals, origin: origin)
            }
            if op.isOrdering {
                return error(origin, literals[0].offset, "\(field.name) \(op.rawValue) needs a number, found \(literals[0].text)")
            }
            return compileText(field, op, literals, origin: origin)
        case .number, .duration, .level:
            if op.isTextual {
                return error(origin, offset, "'\(op.rawValue)' works on text; \(field.name) is a \(field.type.rawValue)")
            }
            return compileNumeric(field, op, literals, origin: origin)
        }
    }

    /// The literal as a number of this field's kind, or a diagnostic.
    private mutating func number(_ literal: LiteralValue, for field: ResolvedField, origin: ConditionOrigin) -> Double? {
        switch (field.type, literal.kind) {
        case (.duration, .duration(let nanoseconds)): return nanoseconds
        case (.duration, .number):
            _ = error(origin, literal.offset, "\(field.name) is a duration; write a unit, for example \(literal.text)ms or \(literal.text)s")
        case (.level, .string(let name, _)):
            if let level = FieldCatalog.levelNames[name.lowercased()] { return Double(level.rawValue) }
            _ = error(origin, literal.offset, "unknown level '\(name)'; use trace, debug, info, notice, warning, error or critical")
        case (.number, .number(let value)), (.argument, .number(let value)): return value
        case (.number, .duration):
            _ = error(origin, literal.offset, "\(field.name) is a number, not a duration; drop the unit")
        default:
            _ = error(origin, literal.offset, "\(field.name) is a \(field.type.rawValue) and cannot be compared with \(literal.text)")
        }
        return nil
    }

    private mutating func compileNumeric(_ field: ResolvedField, _ op: ComparisonOperator, _ literals: [LiteralValue],
                                         origin: ConditionOrigin) -> Predicate {
        let numbers = literals.compactMap { number($0, for: field, origin: origin) }
        guard numbers.count == literals.count, let first = numbers.first else { return { _ in false } }
        let value: (RuleSubject) -> Double?
        if let number = field.number {
            value = number
        } else {
            // An argument: text that may hold a number.
            let read = field.read
            value = { subject in
                if case .text(let text)? = read(subject) { Double(text) } else { nil }
            }
        }
        switch op {
        case .equal: return { value($0) == first }
        case .notEqual: return { value($0).map { $0 != first } ?? false }
        case .less: return { value($0).map { $0 < first } ?? false }
        case .lessOrEqual: return { value($0).map { $0 <= first } ?? false }
        case .greater: return { value($0).map { $0 > first } ?? false }
        case .greaterOrEqual: return { value($0).map { $0 >= first } ?? false }
        case .in:
            let set = Set(numbers)
            return { value($0).map(set.contains) ?? false }
        default:
            return error(origin, literals[0].offset, "'\(op.rawValue)' does not apply to \(field.name)")
        }
    }

    private mutating func compileText(_ field: ResolvedField, _ op: ComparisonOperator, _ literals: [LiteralValue],
                                      origin: ConditionOrigin) -> Predicate {
        var strings: [String] = []
        for literal in literals {
            switch literal.kind {
            case .string(let text, _): strings.append(text)
            case .number, .duration:
                return error(origin, literal.offset, "\(field.name) is text; put \(literal.text) in quotes to compare it as text")
            }
        }
        if field.type == .keyword {
            for (literal, text) in zip(literals, strings) where !field.keywords.contains(text) {
                warning(origin, literal.offset, "\(field.name) is never '\(text)' (it is one of \(field.keywords.joined(separator: ", "))): this comparison is always false")
            }
            if trigger != .spanEnd, trigger != nil, op == .equal, !strings.contains(where: field.keywordsWhileOpen.contains) {
                warning(origin, literals[0].offset, "\(field.name) is \(field.keywordsWhileOpen.joined(separator: " or ")) while the span runs: this rule can never fire")
            }
        }
        guard let first = strings.first else { return { _ in false } }
        guard let read = field.text else { return error(origin, literals[0].offset, "\(field.name) is not text") }
        let needle = Array(first.utf8)
        if op.isOrdering {
            return error(origin, literals[0].offset, "'\(op.rawValue)' compares numbers; \(field.name) is text")
        }
        switch op {
        case .equal:
            return { read($0) { TextMatch.equal($0, needle) } ?? false }
        case .notEqual:
            return { read($0) { !TextMatch.equal($0, needle) } ?? false }
        case .contains:
            return { read($0) { TextMatch.contains($0, needle) } ?? false }
        case .icontains:
            let lowered = needle.map(TextMatch.lowercase)
            return { read($0) { TextMatch.containsIgnoringCase($0, lowered) } ?? false }
        case .startswith:
            return { read($0) { $0.starts(with: needle) } ?? false }
        case .endswith:
            return { read($0) { $0.count >= needle.count && $0.suffix(needle.count).elementsEqual(needle) } ?? false }
        case .glob:
            return { read($0) { fnmatch(first, String(decoding: $0, as: UTF8.self), 0) == 0 } ?? false }
        case .matches:
            let regex: Regex<AnyRegexOutput>
            do {
                regex = try Regex(first)
            } catch {
                return self.error(origin, literals[0].offset, "\(literals[0].text) is not a valid regular expression: \(error)")
            }
            return { read($0) { String(decoding: $0, as: UTF8.self).contains(regex) } ?? false }
        case .in:
            let set = Set(strings)
            return { read($0) { set.contains(String(decoding: $0, as: UTF8.self)) } ?? false }
        default:
            return error(origin, literals[0].offset, "'\(op.rawValue)' does not apply to \(field.name)")
        }
    }
}

/// Byte-level text tests: a line is matched without turning it into a String.
enum TextMatch {
    /// A string's UTF-8 bytes without copying it (native strings are contiguous).
    @inline(__always) static func withBytes(of string: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = string
        return copy.withUTF8(body)
    }

    @inline(__always) static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard bytes.count == needle.count else { return false }
        guard let base = bytes.baseAddress else { return true }
        return needle.withUnsafeBufferPointer { memcmp($0.baseAddress!, base, bytes.count) == 0 }
    }

    /// memchr for the first byte, memcmp for the rest (glibc's memmem is not visible to Swift).
    static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        guard let base = bytes.baseAddress, bytes.count >= needle.count else { return false }
        let last = base + (bytes.count - needle.count)
        var cursor = base
        return needle.withUnsafeBufferPointer { needleBytes in
            while cursor <= last {
                guard let found = memchr(cursor, Int32(first), last - cursor + 1) else { return false }
                let candidate = UnsafePointer(found.assumingMemoryBound(to: UInt8.self))
                if memcmp(candidate, needleBytes.baseAddress!, needle.count) == 0 { return true }
                cursor = candidate + 1
            }
            return false
        }
    }

    @inline(__always) static func lowercase(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }

    static func containsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowered: [UInt8]) -> Bool {
        guard let first = lowered.first else { return true }
        guard bytes.count >= lowered.count else { return false }
        var start = 0
        while start <= bytes.count - lowered.count {
            if lowercase(bytes[start]) == first {
                var offset = 1
                while offset < lowered.count, lowercase(bytes[start + offset]) == lowered[offset] { offset += 1 }
                if offset == lowered.count { return true }
            }
            start += 1
        }
        return false
    }
}
